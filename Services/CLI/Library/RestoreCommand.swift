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
    var from: String
    @Option(name: .customLong("data-dir"), help: "The new data directory: missing or empty.") var dataDir: String

    public init() {}

    public func run() async throws {
        do {
            let chosen = try BackupSummary.choose(from)
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
