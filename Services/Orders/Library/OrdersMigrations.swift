import PosyStore

/// Migrations of `orders.db` after the core one (version 1: outbox, cursors, meta).
public enum OrdersMigrations {
    public static let all: [Migration] = [
        Migration(
            2, "orders: shops, couriers, orders, timeline, idempotency",
            """
            CREATE TABLE shops (
                id TEXT PRIMARY KEY, body BLOB NOT NULL, created_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE couriers (
                id TEXT PRIMARY KEY, shop_id TEXT NOT NULL REFERENCES shops(id), body BLOB NOT NULL, created_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX couriers_shop ON couriers(shop_id);
            CREATE TABLE orders (
                id TEXT PRIMARY KEY,
                n INTEGER NOT NULL UNIQUE,
                shop_id TEXT NOT NULL REFERENCES shops(id),
                state TEXT NOT NULL,
                courier_id TEXT,
                customer_id TEXT,
                body BLOB NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX orders_shop ON orders(shop_id, n);
            CREATE INDEX orders_courier ON orders(courier_id, n);
            CREATE INDEX orders_customer ON orders(customer_id, n);
            CREATE TABLE order_timeline (
                order_id TEXT NOT NULL, n INTEGER NOT NULL, state TEXT NOT NULL, actor TEXT NOT NULL,
                at TEXT NOT NULL, detail TEXT, PRIMARY KEY (order_id, n)
            ) WITHOUT ROWID;
            CREATE TABLE timers (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                ref TEXT NOT NULL,
                arg TEXT,
                due_at REAL NOT NULL,
                fired_at REAL
            );
            CREATE INDEX timers_due ON timers(due_at) WHERE fired_at IS NULL;
            CREATE TABLE exceptions (
                id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL REFERENCES orders(id),
                shop_id TEXT NOT NULL,
                state TEXT NOT NULL,
                body BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX exceptions_order ON exceptions(order_id);
            CREATE TABLE changes (
                id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id), shop_id TEXT NOT NULL,
                state TEXT NOT NULL, body BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX changes_order ON changes(order_id);
            CREATE TABLE idempotency (
                actor TEXT NOT NULL, key TEXT NOT NULL, result BLOB NOT NULL, at TEXT NOT NULL,
                PRIMARY KEY (actor, key)
            ) WITHOUT ROWID;
            """),
        Migration(
            3, "orders: direct conversations between a shop and its couriers",
            """
            CREATE TABLE direct_conversations (
                shop_id TEXT NOT NULL,
                courier_id TEXT NOT NULL,
                conversation_id TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                PRIMARY KEY (shop_id, courier_id)
            ) WITHOUT ROWID;
            """),
        Migration(
            4, "orders: people, sign-in links, sessions and API keys (secrets kept as SHA-256)",
            """
            CREATE TABLE people (
                id TEXT PRIMARY KEY, shop_id TEXT NOT NULL, role TEXT NOT NULL, body BLOB NOT NULL, removed_at TEXT
            ) WITHOUT ROWID;
            CREATE INDEX people_shop ON people(shop_id);
            CREATE TABLE invites (
                code_hash BLOB PRIMARY KEY, person_id TEXT NOT NULL REFERENCES people(id), expires_at REAL NOT NULL,
                created_at TEXT NOT NULL, used_at TEXT
            ) WITHOUT ROWID;
            CREATE INDEX invites_person ON invites(person_id);
            CREATE TABLE sessions (
                id TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES people(id), refresh_hash BLOB NOT NULL,
                created_at TEXT NOT NULL, expires_at REAL NOT NULL, ended_at TEXT
            ) WITHOUT ROWID;
            CREATE INDEX sessions_person ON sessions(person_id);
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY, shop_id TEXT NOT NULL, secret_hash BLOB NOT NULL, body BLOB NOT NULL, revoked_at TEXT
            ) WITHOUT ROWID;
            CREATE INDEX api_keys_shop ON api_keys(shop_id);
            """),
        Migration(
            5, "orders: an exception report's own id, so that a resend is the same report",
            """
            ALTER TABLE exceptions ADD COLUMN client_key TEXT;
            CREATE UNIQUE INDEX exceptions_client ON exceptions(order_id, client_key) WHERE client_key IS NOT NULL;
            """),
        Migration(
            6, "orders: a shop's own reference for each courier, unique within the shop",
            """
            ALTER TABLE couriers ADD COLUMN ref TEXT;
            CREATE UNIQUE INDEX couriers_ref ON couriers(shop_id, ref) WHERE ref IS NOT NULL;
            """),
        Migration(
            7, "orders: erasure requests and every store's part in them",
            """
            CREATE TABLE erasures (
                id TEXT PRIMARY KEY, shop_id TEXT, subject TEXT NOT NULL, requested_by TEXT NOT NULL,
                requested_at TEXT NOT NULL, finished_at TEXT, orders BLOB NOT NULL, steps BLOB NOT NULL,
                event_seq INTEGER NOT NULL, wal_clean INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            """),
        Migration(
            8, "orders: which ended orders still hold phones and addresses, for their retention",
            """
            ALTER TABLE orders ADD COLUMN contact_redacted INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX orders_contact_due ON orders(shop_id, updated_at) WHERE contact_redacted = 0;
            """),
    ]
}
