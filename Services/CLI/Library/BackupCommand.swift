import ArgumentParser
import Foundation
import PosyCore
import PosySchema

/// `posy backup`: a consistent backup of the running suite, and `posy backup verify` of one
/// (docs/operations.md, "Backup and restore").
public struct BackupCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Back up the running suite, or verify a backup.",
        subcommands: [Take.self, Verify.self], defaultSubcommand: Take.self)

    public init() {}

    public struct Take: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "take",
            abstract: "Back up every store, the media, the keys and the secret of the running suite into a new directory in --to.")

        @Option(name: .customLong("to"), help: "Directory the backup is made in (as posy-<time>-<random>).") var to: String
        @Option(name: .customLong("keep"), help: "Then keep only the newest N complete backups in --to.") var keep: Int?
        @Option(
            name: .customLong("every"),
            help: "The schedule this backup runs on (90s, 30m, 1h, 2d; a CronJob's), so that posy status warns when one is missed.")
        var every: String?
        @Flag(name: .customLong("json"), help: "Print the manifest's summary as JSON.") var json = false
        @OptionGroup var bus: BusOptions

        public init() {}

        public func validate() throws {
            if let keep, !(1...10_000).contains(keep) { throw ValidationError("--keep must be 1…10000") }
            if let every, BackupSchedule.parse(every) == nil { throw ValidationError("--every: a duration like 90s, 30m, 1h or 2d") }
        }

        public func run() async throws {
            let config = try bus.config()
            let quiet = json
            var taker = BackupTaker(
                busSub: config.busSub, security: try bus.security(), dataDir: config.dataDir, keysDir: config.resolvedKeysDir,
                parent: to, progress: { line in if !quiet { print("posy backup: \(line)") } })
            taker.everySeconds = every.flatMap(BackupSchedule.parse)?.seconds
            do {
                let (dir, manifest) = try await taker.take()
                if let keep {
                    for old in BackupSchedule(every: .seconds(1), keep: keep, parent: to).prune() where !json {
                        print("posy backup: removed the old backup \(old)")
                    }
                }
                if json {
                    print(String(decoding: try JSON.encode(BackupSummary(dir: dir, manifest: manifest)), as: UTF8.self))
                } else {
                    print(BackupSummary(dir: dir, manifest: manifest).text)
                }
            } catch let e as BackupError {
                FileHandle.standardError.write(Data("posy backup: \(e)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    public struct Verify: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Re-hash a backup, check every store's integrity and every evidence chain; exit 1 naming the first problem.")

        @Argument(help: "A backup directory (or a directory of backups: the newest is checked).") var dir: String
        @Flag(name: .customLong("json"), help: "Print the result as JSON.") var json = false

        public init() {}

        public func run() async throws {
            do {
                let chosen = try BackupSummary.choose(dir)
                let report = try BackupVerifier(dir: chosen).verify()
                let line =
                    "\(chosen): ok — \(report.stores) stores, \(report.media) media files, \(report.chains) evidence chains verified (backup \(report.manifest.id), taken \(report.manifest.instantAt))"
                if json {
                    print(String(decoding: try JSON.encode(["ok": "true", "dir": chosen, "id": report.manifest.id]), as: UTF8.self))
                } else {
                    print(line)
                }
                for name in report.manifest.missingAtSource {
                    FileHandle.standardError.write(Data("warning: \(name) was already missing from the suite when it was backed up\n".utf8))
                }
            } catch let e as BackupError {
                if json {
                    print(String(decoding: try JSON.encode(["ok": "false", "code": e.code.rawValue, "message": e.message]), as: UTF8.self))
                } else {
                    FileHandle.standardError.write(Data("posy backup verify: \(e)\n".utf8))
                }
                throw ExitCode(1)
            }
        }
    }
}

/// What a backup holds, said in a line or as JSON.
struct BackupSummary: Codable {
    var dir: String
    var id: String
    var instantAt: String
    var writesHeldMs: Int
    var stores: Int
    var media: Int
    var evidenceChains: Int
    var bytes: Int64

    init(dir: String, manifest: BackupManifest) {
        self.dir = dir
        id = manifest.id
        instantAt = manifest.instantAt
        writesHeldMs = manifest.writesHeldMs
        stores = manifest.stores.count
        media = manifest.files.filter { $0.name.hasPrefix("media/") }.count
        evidenceChains = manifest.evidence.count
        bytes = manifest.files.reduce(0) { $0 + $1.size }
    }

    var text: String {
        "posy backup: \(dir) — \(stores) stores, \(media) media files, \(evidenceChains) evidence chains, "
            + String(format: "%.1f MiB", Double(bytes) / 1_048_576) + "; the suite as of \(instantAt) (writes held \(writesHeldMs) ms)"
    }

    /// `dir` itself when it is a backup; else the newest complete backup in it.
    static func choose(_ dir: String) throws(BackupError) -> String {
        if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(BackupManifest.fileName)) { return dir }
        if let newest = complete(in: dir).last { return (dir as NSString).appendingPathComponent(newest) }
        throw BackupError(.incomplete, "\(dir) has no \(BackupManifest.fileName) and no complete backup in it")
    }

    /// The complete backups in `parent` (`posy-…` with a manifest), oldest first.
    static func complete(in parent: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter {
            $0.hasPrefix("posy-")
                && FileManager.default.fileExists(
                    atPath: ((parent as NSString).appendingPathComponent($0) as NSString).appendingPathComponent(BackupManifest.fileName))
        }.sorted()
    }
}
