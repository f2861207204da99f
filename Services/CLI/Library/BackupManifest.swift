import Crypto
import Foundation
import PosyCore
import PosySchema
import PosyStore

/// `manifest.json` of a backup (docs/operations.md, "Backup and restore"): what it holds, each
/// file's SHA-256, each store's schema version, epoch and outbox position, and every order's
/// evidence head. Written last: a backup directory without one is incomplete.
struct BackupManifest: Codable, Equatable {
    static let format = "posy-backup-1"
    static let fileName = "manifest.json"

    struct StoreEntry: Codable, Equatable {
        var instance: String
        var service: String
        var file: String
        var epoch: String
        var schemaVersion: Int
        /// The store-wide log position and each topic's head at the backup's instant.
        var logPosition: Int64
        var topicHeads: [String: Int64]
    }

    struct FileEntry: Codable, Equatable {
        /// Relative to the backup directory, which lays out like a data directory.
        var name: String
        var size: Int64
        var sha256: String
    }

    struct EvidenceHead: Codable, Equatable {
        var orderId: String
        var records: Int
        var hash: String
    }

    var format = BackupManifest.format
    var id: String
    /// Which suite it is of: derived from the suite's secret (``suiteId(secret:)``), never the secret.
    var suite: String
    var version: String
    /// When the tool began (nothing acknowledged before it is missing) and when every store held.
    var startedAt: String
    var instantAt: String
    /// At most how long any store held its writes for the backup (milliseconds).
    var writesHeldMs: Int
    var finishedAt: String
    var messagingShards: Int
    var stores: [StoreEntry]
    var files: [FileEntry]
    var evidence: [EvidenceHead]
    /// Media the store named that was not on disk when the backup ran (already missing at the source).
    var missingAtSource: [String]

    /// A suite's id: the start of `HMAC-SHA256(secret, "posy suite id v1")`.
    static func suiteId(secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("posy suite id v1".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.encode(Array(mac).prefix(12))
    }

    static func load(_ dir: String) throws(BackupError) -> BackupManifest {
        let path = (dir as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BackupError(.incomplete, "\(dir) has no \(fileName): not a backup, or one interrupted before it finished")
        }
        let manifest: BackupManifest
        do {
            manifest = try JSON.decode(BackupManifest.self, from: data)
        } catch {
            throw BackupError(.damaged, "\(path) is not a backup manifest: \(error)")
        }
        guard manifest.format == format else {
            throw BackupError(.damaged, "\(path) is format '\(manifest.format)'; this posy reads '\(format)'")
        }
        return manifest
    }

    /// What a store file says about itself.
    static func describe(storeAt path: String) throws -> (epoch: String, schema: Int, pos: Int64, heads: [String: Int64]) {
        let db = try SQLiteConnection(path: path, readOnly: true)
        let epoch = try db.queryOne("SELECT value FROM meta WHERE key = 'epoch'")?.string(0) ?? ""
        let schema = Int(try db.queryOne("SELECT max(version) FROM schema_migrations WHERE version < 10000")?.int(0) ?? 0)
        let (heads, pos) = try EventLog.storedHeads(db)
        return (epoch, schema, pos, heads)
    }

    /// SHA-256 of a file, read in 1 MiB pieces.
    static func sha256(ofFile path: String) -> (String, Int64)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (Hex.encode(hasher.finalize()), size)
    }
}
