import ArgumentParser
import Foundation
import PosyAuth
import PosyCore
import PosyReceipts
import PosyReceiptsPolicy
import PosySchema

/// `posy-receipts`: media store, proof of delivery, confirmations and disputes, evidence chains —
/// `receipts.db` plus content-addressed files under `<data-dir>/media`, served on RPC (default tcp 7140).
@main
struct ReceiptsMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-receipts", abstract: "Posy receipts service (RPC tcp 7140 by default).")

    @Option(name: .customLong("image-limit"), help: "Largest image upload in MiB (env POSY_IMAGE_LIMIT_MIB, default 10).")
    var imageLimit: Double?
    @Option(name: .customLong("voice-limit"), help: "Largest voice upload in MiB (env POSY_VOICE_LIMIT_MIB, default 5).")
    var voiceLimit: Double?
    @Option(name: .customLong("video-limit"), help: "Largest video upload in MiB (env POSY_VIDEO_LIMIT_MIB, default 100).")
    var videoLimit: Double?
    @Option(
        name: .customLong("confirm-within"),
        help: "Hours the customer has to confirm or dispute a delivery (env POSY_CONFIRM_WITHIN_HOURS, default 48).")
    var confirmWithin: Double?
    @Option(
        name: .customLong("media-retention"),
        help: "Days media of completed orders is kept; 0 keeps it for ever (env POSY_MEDIA_RETENTION_DAYS, default 90).")
    var mediaRetention: Double?

    @OptionGroup var options: ServiceOptions

    func number(_ flag: Double?, _ env: String, _ fallback: Double) -> Double {
        flag ?? Environment.string(env).flatMap(Double.init) ?? fallback
    }

    var config: ReceiptsConfig {
        var c = ReceiptsConfig()
        c.limits = MediaLimits(
            image: Int64(number(imageLimit, "POSY_IMAGE_LIMIT_MIB", 10) * 1_048_576),
            voice: Int64(number(voiceLimit, "POSY_VOICE_LIMIT_MIB", 5) * 1_048_576),
            video: Int64(number(videoLimit, "POSY_VIDEO_LIMIT_MIB", 100) * 1_048_576))
        c.confirmWithin = number(confirmWithin, "POSY_CONFIRM_WITHIN_HOURS", 48) * 3600
        let days = number(mediaRetention, "POSY_MEDIA_RETENTION_DAYS", 90)
        c.mediaRetention = days > 0 ? days * 86400 : nil
        return c
    }

    func validate() throws {
        let c = config
        guard [c.limits.image, c.limits.voice, c.limits.video].allSatisfy({ $0 > 0 }) else {
            throw ValidationError("media limits must be positive")
        }
        guard c.confirmWithin > 0 else { throw ValidationError("--confirm-within must be positive") }
        guard number(mediaRetention, "POSY_MEDIA_RETENTION_DAYS", 90) >= 0 else {
            throw ValidationError("--media-retention must be 0 (keep) or positive")
        }
    }

    func run() async throws {
        let config = self.config
        let dataDir = options.config.dataDir
        let secret: String
        do {
            secret = try SuiteSecret.load(dataDir: dataDir, create: false)
        } catch {
            throw ValidationError(
                "posy-receipts seals evidence with the suite's secret: set POSY_SECRET or put it in \(dataDir)/secret (posy up creates it)")
        }
        try await ServiceMain.run(
            ServiceDescriptor(service: ServiceName.receipts, defaultRPCPort: 7140, migrations: ReceiptsMigrations.all),
            config: options.config
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let mediaRoot = (dataDir as NSString).appendingPathComponent("media")
            let media = try MediaStore(root: mediaRoot, logger: host.logger)
            host.addHealthCheck("media-disk") { DiskSpace.check(mediaRoot) }
            let service = ReceiptsService(
                store: store, events: events, media: media, config: config,
                seal: EvidenceSeal(secret: secret), logger: host.logger
            ) {
                instance, method, body in try await host.call(instance, method, body: body)
            }
            try await service.sealMissingHeads()
            service.register(on: host.rpc)
            return [service.timerService()]
        }
    }
}
