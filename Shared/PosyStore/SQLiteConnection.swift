import CSQLite
import Foundation

/// One SQLite connection. Not thread-safe: a ``Store`` owns each connection on one thread.
public final class SQLiteConnection {
    let handle: OpaquePointer
    public let path: String
    private var cache: [String: OpaquePointer] = [:]
    private var afterCommit: [() -> Void] = []
    private var savepointDepth = 0
    /// The group transaction the writer is running jobs in (writer thread only).
    var group: GroupContext?
    /// Rollbacks on this connection so far — of a transaction (SQLite's rollback hook: also one it
    /// made itself after an error) or of a savepoint: what was counted in memory since may have
    /// been undone (``EventLog``'s seqs).
    public private(set) var rollbacks = 0

    /// Opens (creating if needed) the database at `path` in WAL mode with a busy timeout.
    public init(path: String, readOnly: Bool = false, synchronous: Synchronous = .normal, busyTimeoutMs: Int32 = 5_000) throws {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMs)
        // Called on this connection's thread, by the statement that rolls back.
        sqlite3_rollback_hook(
            db, { context in Unmanaged<SQLiteConnection>.fromOpaque(context!).takeUnretainedValue().rollbacks += 1 },
            Unmanaged.passUnretained(self).toOpaque())
        sqlite3_extended_result_codes(db, 1)
        if !readOnly {
            try execute("PRAGMA journal_mode=WAL")
            try execute("PRAGMA synchronous=\(synchronous.rawValue)")
        }
        try execute("PRAGMA foreign_keys=ON")
        // Savepoints' sub-journals and sorts stay in memory: otherwise SQLite spills a write job's
        // sub-journal (pages it changed, personal data among them) to a file in /var/tmp, outside
        // the data directory, creating and unlinking it each time (docs/architecture.md, "Threads").
        try execute("PRAGMA temp_store=MEMORY")
        // Room for the pages a busy service keeps touching (the default is 2 MB): a store with a
        // large table written at many places (positions of 2,000 couriers) otherwise rereads its
        // index pages from the file on every write. Memory is only taken as pages are used.
        try execute("PRAGMA cache_size=-\(Self.cacheKiB)")
    }

    /// SQLite's process-wide settings, made before the first connection opens (see the shim).
    private static let configured: Int32 = posy_sqlite_configure()

    /// Page cache per connection, in KiB (`PRAGMA cache_size`).
    public static let cacheKiB = 32 * 1024

    /// `PRAGMA synchronous` levels. `normal` in WAL mode survives any process crash (SIGKILL);
    /// `full` also survives power loss at the cost of an fsync per commit.
    public enum Synchronous: String, Sendable {
        case normal = "NORMAL"
        case full = "FULL"
    }

    deinit {
        for (_, stmt) in cache { sqlite3_finalize(stmt) }
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, _ sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements without bindings or results (DDL, pragmas).
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text, sql: sql)
        }
    }

    private func statement(_ sql: String) throws -> OpaquePointer {
        if let s = cache[sql] { return s }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql) }
        cache[sql] = stmt
        return stmt
    }

    /// Prepares `sql` (or takes it from the cache), binds `values` in place — each one's
    /// ``SQLValue`` as `value` gives it, no second array per statement (a lazy `map` of them
    /// measured two allocations more per bus event) — and runs `body`; the statement is reset
    /// and its bindings cleared after, whatever happens.
    private func using<Values: Collection, R>(
        _ sql: String, _ values: Values, binding value: (Values.Element) -> SQLValue,
        then body: (OpaquePointer) throws -> R
    ) throws -> R {
        let stmt = try statement(sql)
        let expected = Int(sqlite3_bind_parameter_count(stmt))
        guard expected == values.count else {
            throw SQLiteError(code: SQLITE_RANGE, message: "expected \(expected) bindings, got \(values.count)", sql: sql)
        }
        var ran = false
        do {
            return try bind(stmt, values, from: values.startIndex, at: 1, value, sql) {
                // Reset while the bound text and blobs are still in scope: SQLite holds pointers to them.
                ran = true
                defer {
                    sqlite3_reset(stmt)
                    sqlite3_clear_bindings(stmt)
                }
                return try body(stmt)
            }
        } catch {
            // A binding failed before the statement ran: what was bound goes too.
            if !ran {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
            }
            throw error
        }
    }

    /// Binds `values` from `index` on, then runs `body` with every one of them bound. Text and
    /// blobs are bound where their bytes lie, without SQLite's copy (`SQLITE_STATIC`): each is
    /// bound inside the scope that lends its bytes, and `body` runs innermost, so every pointer
    /// SQLite holds is valid for as long as it may read it — a copy of each was an allocation per
    /// argument (docs/performance.md, "Allocations per event").
    private func bind<Values: Collection, R>(
        _ stmt: OpaquePointer, _ values: Values, from index: Values.Index, at position: Int32,
        _ value: (Values.Element) -> SQLValue, _ sql: String, then body: () throws -> R
    ) throws -> R {
        guard index != values.endIndex else { return try body() }
        let next = values.index(after: index)
        func rest() throws -> R { try bind(stmt, values, from: next, at: position + 1, value, sql, then: body) }
        func check(_ rc: Int32) throws { if rc != SQLITE_OK { throw error(rc, sql) } }
        switch value(values[index]) {
        case .null: try check(sqlite3_bind_null(stmt, position))
        case .int(let v): try check(sqlite3_bind_int64(stmt, position, v))
        case .double(let d): try check(sqlite3_bind_double(stmt, position, d))
        case .text(let s):
            // A native string's UTF-8 where it lies, with its length: a NUL inside the text is
            // kept, not an end. One not contiguous in memory (bridged from `NSString`, on Darwin)
            // is copied once.
            func text(_ p: UnsafeBufferPointer<UInt8>) throws -> R {
                let base = UnsafeRawPointer(p.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
                try check(sqlite3_bind_text(stmt, position, base, Int32(p.count), nil))
                return try rest()
            }
            if let r = try s.utf8.withContiguousStorageIfAvailable(text) { return r }
            return try Array(s.utf8).withUnsafeBufferPointer(text)
        case .blob(let b):
            return try b.withUnsafeBytes { p in
                try check(sqlite3_bind_blob(stmt, position, p.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(p.count), nil))
                return try rest()
            }
        }
        return try rest()
    }

    private func column(_ stmt: OpaquePointer, _ i: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(stmt, i))
        case SQLITE_TEXT:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard let p = sqlite3_column_text(stmt, i) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard let p = sqlite3_column_blob(stmt, i), n > 0 else { return .blob(Data()) }
            return .blob(Data(bytes: p, count: n))
        default: return .null
        }
    }

    /// Runs a statement with bindings; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: SQLBindable...) throws -> Int {
        try using(sql, values, binding: { $0.sqlValue }, then: { try step($0, sql) })
    }

    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue]) throws -> Int {
        try using(sql, values, binding: { $0 }, then: { try step($0, sql) })
    }

    /// Steps a statement to its end, skipping any rows it returns; the rows it changed.
    private func step(_ stmt: OpaquePointer, _ sql: String) throws -> Int {
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            if rc != SQLITE_ROW { throw error(rc, sql) }
        }
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query and returns all rows.
    public func query(_ sql: String, _ values: SQLBindable...) throws -> [SQLRow] {
        try using(sql, values, binding: { $0.sqlValue }, then: { try rows($0, sql, limit: .max) })
    }

    public func query(_ sql: String, _ values: [SQLValue]) throws -> [SQLRow] {
        try using(sql, values, binding: { $0 }, then: { try rows($0, sql, limit: .max) })
    }

    /// The first row of a query, or nil (the rest are not read).
    public func queryOne(_ sql: String, _ values: SQLBindable...) throws -> SQLRow? {
        try using(sql, values, binding: { $0.sqlValue }, then: { try rows($0, sql, limit: 1).first })
    }

    private func rows(_ stmt: OpaquePointer, _ sql: String, limit: Int) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        let columns = sqlite3_column_count(stmt)
        while rows.count < limit {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            if rc != SQLITE_ROW { throw error(rc, sql) }
            rows.append(SQLRow(values: (0..<columns).map { column(stmt, $0) }))
        }
        return rows
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// Rows inserted, updated or deleted on this connection since it opened (rolled back ones too).
    var totalChanges: Int64 { sqlite3_total_changes64(handle) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`), or in a savepoint when one is already open.
    /// An error rolls back exactly what `body` did and is rethrown.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        try run("BEGIN IMMEDIATE", [])
        let mark = afterCommit.count
        do {
            let value = try body()
            try run("COMMIT", [])
            runAfterCommit()
            return value
        } catch {
            try? execute("ROLLBACK")
            afterCommit.removeSubrange(mark...)
            throw error
        }
    }

    /// Runs `body` in a savepoint inside the open transaction; an error rolls back only its work.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let sql = SavepointSQL.at(depth: savepointDepth)
        try run(sql.begin, [])  // prepared once per depth, then cached
        let mark = afterCommit.count
        do {
            let value = try body()
            try run(sql.release, [])
            return value
        } catch {
            rollbacks += 1
            _ = try? run(sql.rollback, [])
            _ = try? run(sql.release, [])
            afterCommit.removeSubrange(mark...)
            throw error
        }
    }

    /// Registers an action to run on this connection's thread right after the enclosing transaction
    /// commits (dropped if it rolls back). The outbox uses it to publish committed events.
    public func onCommit(_ action: @escaping () -> Void) {
        if isInTransaction { afterCommit.append(action) } else { action() }
    }

    func runAfterCommit() {
        // The list trades places with an empty one that keeps its capacity (see DatabaseThread).
        // No transaction is open here, so an action that registers another runs it at once.
        var actions: [() -> Void] = []
        swap(&afterCommit, &actions)
        for a in actions { a() }
        actions.removeAll(keepingCapacity: true)
        if afterCommit.isEmpty { swap(&afterCommit, &actions) }
    }

    func discardAfterCommit() { afterCommit.removeAll(keepingCapacity: true) }
}
