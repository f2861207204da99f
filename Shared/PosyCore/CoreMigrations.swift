import PosyStore

/// Tables every store has (migration 1): the epoch, the outbox with per-topic heads, subscriber
/// cursors, events a handler could not apply, and applied probes. Later core steps take versions
/// from 10,001 up, so a service's own migrations keep versions 2–9,999 and neither ever renumbers.
public enum CoreMigrations {
    /// Service migrations use versions in this range.
    public static let serviceVersions = 2..<10_000

    public static let all: [Migration] = [
        Migration(
            1, "posy core: meta, outbox, cursors",
            """
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
        // The store-wide log position (`pos`): one gap-free order over all of a store's durable
        // events, so a reader (the gateway's stream) can resume from one number per source.
        Migration(
            10_001, "posy core: store-wide log position",
            """
            ALTER TABLE outbox ADD COLUMN pos INTEGER;
            UPDATE outbox SET pos = r.n FROM (
                SELECT topic, seq, row_number() OVER (ORDER BY created_at, topic, seq) AS n FROM outbox
            ) AS r WHERE outbox.topic = r.topic AND outbox.seq = r.seq;
            CREATE UNIQUE INDEX outbox_pos ON outbox(pos);
            CREATE TABLE log_head (id INTEGER PRIMARY KEY CHECK (id = 1), pos INTEGER NOT NULL);
            INSERT INTO log_head(id, pos) SELECT 1, coalesce(max(pos), 0) FROM outbox;
            """),
        // Erasures a store has applied whose report waits until the WAL holding the old bytes is gone.
        Migration(
            10_002, "posy core: erasures waiting for their report",
            """
            CREATE TABLE privacy_pending (request_id TEXT PRIMARY KEY, counts BLOB NOT NULL) WITHOUT ROWID;
            """),
        // Pruning walks the outbox in `pos` order: an index on time, written by every event, is not needed.
        Migration(
            10_003, "posy core: the outbox without an index on time",
            """
            DROP INDEX IF EXISTS outbox_created;
            """),
        // The outbox keyed by its log position: every event appends at the table's end, where
        // SQLite fills pages and adds new ones without rebalancing its neighbours. Keyed by
        // (topic, seq), each event landed in the middle of the tree and a group of 40 wrote 27
        // pages to the WAL; now 14 (docs/performance.md, "The secure bus").
        Migration(
            10_004, "posy core: the outbox keyed by its log position",
            """
            CREATE TABLE outbox_by_pos (
                pos INTEGER PRIMARY KEY,
                topic TEXT NOT NULL,
                seq INTEGER NOT NULL,
                envelope BLOB NOT NULL,
                created_at REAL NOT NULL
            );
            INSERT INTO outbox_by_pos(pos, topic, seq, envelope, created_at)
                SELECT pos, topic, seq, envelope, created_at FROM outbox ORDER BY pos;
            DROP TABLE outbox;
            ALTER TABLE outbox_by_pos RENAME TO outbox;
            CREATE UNIQUE INDEX outbox_topic_seq ON outbox(topic, seq);
            """),
    ]

    /// Core migrations followed by a service's own (versions 2 and up).
    public static func with(_ service: [Migration]) -> [Migration] {
        precondition(
            service.allSatisfy { serviceVersions.contains($0.version) },
            "service migrations use versions \(serviceVersions.lowerBound)–\(serviceVersions.upperBound - 1)")
        return all + service
    }
}
