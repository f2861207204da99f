import ArgumentParser
import Foundation
import PosyAuth
import PosyCore
import PosyReceipts
import PosyReceiptsPolicy
import PosySchema
import PosySettings

/// `posy-receipts`: media store, proof of delivery, confirmations and disputes, evidence chains —
/// `receipts.db` plus content-addressed files under `<data-dir>/media`, served on RPC (default tcp 7140).
@main
struct ReceiptsMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-receipts", abstract: "Posy receipts service (RPC tcp 7140 by default).")

    @Option(name: settings.imageLimitMiB.name, help: settings.imageLimitMiB.help) var imageLimit: Double?
    @Option(name: settings.voiceLimitMiB.name, help: settings.voiceLimitMiB.help) var voiceLimit: Double?
    @Option(name: settings.videoLimitMiB.name, help: settings.videoLimitMiB.help) var videoLimit: Double?
    @Option(name: settings.confirmWithinHours.name, help: settings.confirmWithinHours.help) var confirmWithin: Double?
    @Option(name: settings.mediaRetentionDays.name, help: settings.mediaRetentionDays.help) var mediaRetention: Double?

    @OptionGroup var options: ServiceOptions

    /// The service's settings: flags, else variables, else defaults.
    func resolved(_ from: Settings = .process) throws -> ReceiptsConfig {
        let mib = [
            try from.value(settings.imageLimitMiB, flag: imageLimit), try from.value(settings.voiceLimitMiB, flag: voiceLimit),
            try from.value(settings.videoLimitMiB, flag: videoLimit),
        ]
        guard mib.allSatisfy({ $0.isFinite && $0 > 0 && $0 < 1_048_576 }) else { throw ValidationError("media limits must be positive") }
        var c = ReceiptsConfig()
        c.limits = MediaLimits(image: Int64(mib[0] * 1_048_576), voice: Int64(mib[1] * 1_048_576), video: Int64(mib[2] * 1_048_576))
        c.confirmWithin = try from.value(settings.confirmWithinHours, flag: confirmWithin) * 3600
        guard c.confirmWithin.isFinite, c.confirmWithin > 0 else { throw ValidationError("--confirm-within must be positive") }
        let days = try from.value(settings.mediaRetentionDays, flag: mediaRetention)
        guard days.isFinite, days >= 0 else { throw ValidationError("--media-retention must be 0 (keep) or positive") }
        c.mediaRetention = days > 0 ? days * 86400 : nil
        return c
    }

    func validate() throws { _ = try resolved() }

    func run() async throws {
        let config = try resolved()
        let service = try options.config()
        let dataDir = service.dataDir
        let secret: String
        do {
            secret = try SuiteSecret.load(dataDir: dataDir, create: false)
        } catch {
            throw ValidationError(
                "posy-receipts seals evidence with the suite's secret: set POSY_SECRET or put it in \(dataDir)/secret (posy up creates it)")
        }
        try await ServiceMain.run(
            ServiceDescriptor(service: ServiceName.receipts, defaultRPCPort: 7140, migrations: ReceiptsMigrations.all),
            config: service
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let mediaRoot = (dataDir as NSString).appendingPathComponent("media")
            let media = try MediaStore(root: mediaRoot, logger: host.logger)
            host.addHealthCheck("media-disk") { DiskSpace.check(mediaRoot) }
            let mediaSize = MediaSize(root: mediaRoot)
            host.addGauge("media_bytes") { mediaSize.bytes() }
            let service = ReceiptsService(
                store: store, events: events, media: media, config: config,
                seal: EvidenceSeal(secret: secret), logger: host.logger
            ) {
                instance, method, body in try await host.call(instance, method, body: body)
            }
            try await service.sealMissingHeads()
            if let backup = host.backup { service.joinBackups(backup) }
            service.register(on: host.rpc)
            return [service.timerService(), service.registerPrivacy(on: host)]
        }
    }
}

private let settings = ReceiptsSettings()
