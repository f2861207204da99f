import Foundation
import PosyCore

/// `posy backup` and `posy backup verify` for other tools (`posy bench backup`): what a backup
/// took and how long the stores held their writes.
public enum SuiteBackup {
    public struct Taken: Sendable {
        public let directory: String
        public let writesHeldMs: Int
        public let bytes: Int64
        public let files: Int
        public let media: Int
    }

    /// Backs up the running suite whose bus is at `busSub` into a new directory in `parent`.
    public static func take(busSub: String, keysDir: String, dataDir: String, parent: String) async throws -> Taken {
        var config = ServiceConfig()
        config.keysDir = keysDir
        let taker = BackupTaker(
            busSub: busSub, security: try config.security(identity: "cli"), dataDir: dataDir, keysDir: keysDir, parent: parent)
        let (dir, manifest) = try await taker.take()
        return Taken(
            directory: dir, writesHeldMs: manifest.writesHeldMs, bytes: manifest.files.reduce(0) { $0 + $1.size },
            files: manifest.files.count, media: manifest.files.filter { $0.name.hasPrefix("media/") }.count)
    }

    /// Verifies a backup as `posy backup verify` does; returns how many evidence chains it checked.
    public static func verify(_ directory: String) throws -> Int {
        try BackupVerifier(dir: directory).verify().chains
    }
}
