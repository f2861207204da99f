import CSQLite
import Foundation
import Synchronization

/// A store as it was at one instant, readable while the store keeps working: its own read-only
/// connection inside a read transaction, which WAL keeps consistent however much is written after
/// (docs/operations.md, "Backup and restore"). Made by ``Store/hold(limit:)``; one thread at a time.
public final class StoreSnapshot: @unchecked Sendable {
    private let lock = Mutex(())
    private var connection: SQLiteConnection?
    public let path: String

    init(path: String) throws {
        self.path = path
        let db = try SQLiteConnection(path: path, readOnly: true)
        // A copy reads every page once: a small cache, not the service's 32 MiB.
        try db.execute("PRAGMA cache_size=-2048")
        try db.execute("BEGIN")
        // The read transaction, and so the snapshot, starts at the first read.
        _ = try db.query("SELECT count(*) FROM sqlite_schema")
        connection = db
    }

    /// Runs `body` on the snapshot's connection (queries only).
    public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try lock.withLock { _ in
            guard let connection else { throw SQLiteError(code: SQLITE_MISUSE, message: "snapshot closed") }
            return try body(connection)
        }
    }

    /// Writes the snapshot to `destination` (which must not exist) with SQLite's online backup API,
    /// as a single file in rollback-journal mode: no `-wal` beside it, the same bytes every time it is read.
    public func copy(to destination: String) throws {
        try read { source in
            guard !FileManager.default.fileExists(atPath: destination) else {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: "\(destination) exists")
            }
            let target = try SQLiteConnection(path: destination)
            guard let backup = sqlite3_backup_init(target.handle, "main", source.handle, "main") else {
                throw target.error(sqlite3_errcode(target.handle), "backup")
            }
            // One step copies every page under the snapshot's read transaction.
            let rc = sqlite3_backup_step(backup, -1)
            let finish = sqlite3_backup_finish(backup)
            guard rc == SQLITE_DONE, finish == SQLITE_OK else {
                throw SQLiteError(code: rc == SQLITE_DONE ? finish : rc, message: "backup of \(path) failed", sql: nil)
            }
            try target.execute("PRAGMA journal_mode=DELETE")
        }
    }

    /// Ends the read transaction; the WAL may then be checkpointed past it.
    public func close() {
        lock.withLock { _ in
            try? connection?.execute("COMMIT")
            connection = nil
        }
    }

    deinit { try? connection?.execute("COMMIT") }
}
