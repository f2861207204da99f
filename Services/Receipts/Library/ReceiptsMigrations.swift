import PosyStore

/// Migrations of `receipts.db` after the core one (version 1: outbox, cursors, meta).
public enum ReceiptsMigrations {
    public static let all: [Migration] = [
        Migration(
            2, "receipts: media, proofs, evidence chains",
            """
            CREATE TABLE media (
                id TEXT PRIMARY KEY,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                kind TEXT NOT NULL,
                content_type TEXT NOT NULL,
                order_id TEXT NOT NULL,
                uploader TEXT NOT NULL,
                photo TEXT,
                created_at TEXT NOT NULL,
                purged_at TEXT
            ) WITHOUT ROWID;
            CREATE INDEX media_order ON media(order_id);
            CREATE INDEX media_sha ON media(sha256);
            CREATE TABLE proofs (
                order_id TEXT PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                shop_id TEXT NOT NULL,
                body TEXT NOT NULL,
                delivered_at REAL NOT NULL,
                confirm_by REAL NOT NULL,
                outcome TEXT,
                completed_at REAL
            ) WITHOUT ROWID;
            CREATE INDEX proofs_confirm_by ON proofs(confirm_by) WHERE outcome IS NULL;
            CREATE INDEX proofs_completed ON proofs(completed_at) WHERE completed_at IS NOT NULL;
            CREATE TABLE evidence (
                order_id TEXT NOT NULL,
                n INTEGER NOT NULL,
                kind TEXT NOT NULL,
                at TEXT NOT NULL,
                body TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (order_id, n)
            ) WITHOUT ROWID;
            """),
        Migration(
            3, "receipts: the sealed head of each evidence chain",
            """
            CREATE TABLE evidence_heads (
                order_id TEXT PRIMARY KEY,
                n INTEGER NOT NULL,
                hash TEXT NOT NULL,
                seal TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
        Migration(
            4, "receipts: the length a voice note's or video's container states",
            "ALTER TABLE media ADD COLUMN duration_ms INTEGER;"),
        Migration(
            5, "receipts: personal values evidence records commit to, and their erasures",
            """
            CREATE TABLE evidence_personal (
                order_id TEXT NOT NULL, n INTEGER NOT NULL, path TEXT NOT NULL, value TEXT NOT NULL, salt TEXT NOT NULL,
                PRIMARY KEY (order_id, n, path)
            ) WITHOUT ROWID;
            CREATE TABLE evidence_erasures (
                order_id TEXT NOT NULL, n INTEGER NOT NULL, path TEXT NOT NULL, at TEXT NOT NULL, request_id TEXT NOT NULL,
                PRIMARY KEY (order_id, n, path)
            ) WITHOUT ROWID;
            """),
    ]
}
