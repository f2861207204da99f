import ArgumentParser
import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore

/// `posy evidence verify <orderId>`: re-hashes an order's evidence chain — through the running
/// posy-receipts, or straight from a `receipts.db` file (`--db`, e.g. a copy sent to an auditor) —
/// and names the first record that does not match. Exit 1 when the chain does not verify.
public struct EvidenceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Evidence chains of orders.", subcommands: [Verify.self])

    public init() {}

    public struct Verify: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Re-verify an order's evidence chain; name the first record that does not match.")

        @Argument(help: "The order id.") var orderId: String
        @Option(name: .customLong("db"), help: "Read this receipts.db directly instead of asking the running posy-receipts.")
        var db: String?
        @Flag(name: .customLong("json"), help: "Print the result as JSON.") var json = false
        @OptionGroup var bus: BusOptions

        public init() {}

        public func run() async throws {
            let result: ChainVerification
            if let db {
                guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("no file \(db)") }
                let connection = try SQLiteConnection(path: db, readOnly: true)
                let records = try EvidenceChain.records(connection, orderId: orderId)
                let head = try EvidenceChain.head(connection, orderId: orderId)
                guard !records.isEmpty || head != nil else {
                    print("order \(orderId) has no evidence records in \(db)")
                    throw ExitCode(1)
                }
                // The seal is checked with the suite's secret from --data-dir or POSY_SECRET; without
                // it the head's count and hash are still compared.
                let secret = try? SuiteSecret.load(dataDir: try bus.config().dataDir, create: false)
                // A store from before personal values were kept apart has none to check.
                result = EvidenceChain.verify(
                    orderId: orderId, records, head: head, seal: secret.map { EvidenceSeal(secret: $0) },
                    personal: try? EvidencePersonal.load(connection, orderId: orderId))
            } else {
                let security = try bus.security()
                let busSub = try bus.config().busSub
                let directory = try await Discovery.peers(busSub: busSub, security: security, listen: .milliseconds(1500))
                guard let receipts = directory.peer(ServiceName.receipts) else {
                    print("posy-receipts is not heartbeating on \(busSub): is the suite running? (or use --db)")
                    throw ExitCode(1)
                }
                do {
                    result = try await RPCClient.withClient(receipts.heartbeat.rpc, curve: try security.client(of: ServiceName.receipts)) {
                        try await $0.call(
                            ReceiptsRPC.evidenceVerify,
                            ReceiptsRPC.OrderRef(orderId: orderId), as: .service(ServiceName.cli), timeout: .seconds(5))
                    }
                } catch let e as PosyError {
                    print("\(e.code.rawValue): \(e.message)")
                    throw ExitCode(1)
                }
            }
            if json {
                print(String(decoding: try JSON.encode(result), as: UTF8.self))
            } else if result.ok {
                let sealNote =
                    result.sealChecked == false ? " (seal not checked: no suite secret; pass --data-dir or POSY_SECRET)" : "; sealed"
                print("order \(orderId): \(result.records) record(s) verified; head \(result.head ?? "-")\(sealNote)")
                // Erased personal fields are named: the chain proves what remains without them.
                for e in result.erased ?? [] {
                    print("  record \(e.n) (\(e.kind ?? "-")): \(e.field) erased at \(e.at) by request \(e.requestId)")
                }
            } else if let m = result.firstMismatch {
                print("order \(orderId): record \(m.n) (\(m.kind)) does not match: \(m.reason)")
            }
            if !result.ok { throw ExitCode(1) }
        }
    }
}
