import Foundation

/// Applies numbered migrations in order, each in its own transaction, recording them in `schema_migrations`.
public enum Migrator {
    public static func migrate(_ db: SQLiteConnection, _ migrations: [Migration]) throws -> [Int] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.version == b.version {
            throw SQLiteError(code: 1, message: "duplicate migration version \(a.version)")
        }
        try db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        let applied = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0.int(0) }.map(Int.init))
        if let newest = applied.max(), let known = sorted.last?.version, newest > known {
            throw SQLiteError(
                code: 1, message: "store is at schema version \(newest), this build knows up to \(known): refusing to downgrade")
        }
        var ran: [Int] = []
        for m in sorted where !applied.contains(m.version) {
            try db.transaction {
                try db.execute(m.sql)
                // SQLite's clock, not a date formatter: Foundation's loads ICU's tables into every process at start.
                try db.run(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                    m.version, m.name)
            }
            ran.append(m.version)
        }
        return ran
    }
}
