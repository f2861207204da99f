import CSQLite

/// An SQLite failure with its result code, message and (when known) the statement.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var isConstraint: Bool { code & 0xFF == SQLITE_CONSTRAINT }

    /// The disk (or the database's size limit) is full: nothing was written.
    public var isFull: Bool { code & 0xFF == SQLITE_FULL }

    public var description: String {
        "sqlite error \(code): \(message)" + (sql.map { " [\($0.prefix(120))]" } ?? "")
    }
}
