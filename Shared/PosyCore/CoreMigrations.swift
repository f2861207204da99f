import PosyStore

/// Tables every store has (migration 1): the epoch, the outbox with per-topic heads, subscriber
/// cursors, events a handler could not apply, and applied probes. Service migrations start at 2.
public enum CoreMigrations {
    public static let all: [Migration] = [
        Migration(1, "posy core: meta, outbox, cursors", """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta(key, value) VALUES ('epoch', lower(hex(randomblob(16))));
            CREATE TABLE outbox (
                topic TEXT NOT NULL,
                seq INTEGER NOT NULL,
                envelope BLOB NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (topic, seq)
            ) WITHOUT ROWID;
            CREATE INDEX outbox_created ON outbox(created_at);
            CREATE TABLE topic_heads (topic TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE cursors (
                src TEXT NOT NULL,
                topic TEXT NOT NULL,
                epoch TEXT NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (src, topic)
            ) WITHOUT ROWID;
            CREATE TABLE dead_events (
                src TEXT NOT NULL, topic TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
                envelope BLOB NOT NULL, error TEXT NOT NULL, at REAL NOT NULL
            );
            CREATE TABLE probes (
                id TEXT PRIMARY KEY, src TEXT NOT NULL, applied_count INTEGER NOT NULL, applied_at TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
    ]

    /// Core migrations followed by a service's own (versions 2 and up).
    public static func with(_ service: [Migration]) -> [Migration] {
        precondition(service.allSatisfy { $0.version >= 2 }, "service migrations start at version 2")
        return all + service
    }
}
