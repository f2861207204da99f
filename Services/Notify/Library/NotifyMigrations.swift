import PosyStore

/// Migrations of `notify.db` after the core one (version 1: outbox, cursors, meta).
public enum NotifyMigrations {
    public static let all: [Migration] = [
        Migration(
            2, "notify: shops, orders, people, send log, inbox, coalescing",
            """
            CREATE TABLE shops (id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL, manager_id TEXT) WITHOUT ROWID;
            -- The latest snapshot of each order (from order.<state> events): who its people are.
            CREATE TABLE orders (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
            CREATE TABLE people (
                id TEXT PRIMARY KEY, locale TEXT, quiet_start TEXT, quiet_end TEXT, time_zone TEXT, phone TEXT, email TEXT
            ) WITHOUT ROWID;
            -- One row per (event, rule, person, channel) sent: what makes every send happen once.
            CREATE TABLE sends (key TEXT PRIMARY KEY, at REAL NOT NULL) WITHOUT ROWID;
            CREATE TABLE inbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                person TEXT NOT NULL,
                event TEXT NOT NULL,
                template TEXT NOT NULL,
                order_id TEXT,
                locale TEXT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                priority TEXT NOT NULL,
                link TEXT,
                at TEXT NOT NULL,
                read_at TEXT
            );
            CREATE INDEX inbox_person ON inbox(person, id);
            -- The last ETA a person heard for an order (coalesced rules).
            CREATE TABLE coalesce (
                person TEXT NOT NULL, order_id TEXT NOT NULL, template TEXT NOT NULL, at REAL NOT NULL, eta REAL,
                PRIMARY KEY (person, order_id, template)
            ) WITHOUT ROWID;
            """),
        Migration(
            3, "notify: webhooks and outbound deliveries (webhook, SMS, email) with their attempts",
            """
            CREATE TABLE webhooks (
                id TEXT PRIMARY KEY, shop_id TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,
                created_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX webhooks_shop ON webhooks(shop_id);
            -- What posy-notify sends out of the suite, until delivered or dead (the dead-letter list).
            CREATE TABLE outbound (
                id TEXT PRIMARY KEY,
                channel TEXT NOT NULL,
                target TEXT NOT NULL,
                event TEXT NOT NULL,
                body BLOB NOT NULL,
                subject TEXT,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                next_at REAL,
                delivered_at REAL,
                replay_of TEXT
            ) WITHOUT ROWID;
            CREATE INDEX outbound_due ON outbound(next_at) WHERE state = 'pending';
            CREATE INDEX outbound_target ON outbound(target, created_at);
            CREATE TABLE outbound_attempts (
                delivery_id TEXT NOT NULL, n INTEGER NOT NULL, at REAL NOT NULL, status INTEGER, error TEXT, ms INTEGER NOT NULL,
                PRIMARY KEY (delivery_id, n)
            ) WITHOUT ROWID;
            """),
        Migration(
            4, "notify: couriers' phones (from fleet.courier)",
            """
            CREATE TABLE couriers (id TEXT PRIMARY KEY, shop_id TEXT NOT NULL, phone TEXT) WITHOUT ROWID;
            """),
        Migration(
            5, "notify: people's devices subscribed to Web Push",
            """
            CREATE TABLE push_subscriptions (
                id TEXT PRIMARY KEY,
                endpoint TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL,
                sub TEXT NOT NULL,
                order_id TEXT,
                shop_id TEXT,
                p256dh TEXT NOT NULL,
                auth TEXT NOT NULL,
                expiration REAL,
                created_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX push_subscriptions_owner ON push_subscriptions(role, sub, order_id);
            CREATE INDEX push_subscriptions_shop ON push_subscriptions(shop_id) WHERE role = 'staff';
            """),
        Migration(
            6, "notify: escalations held until an assignment goes unanswered; a shop's SMS settings",
            """
            -- A delivery held for an order's assignment: withdrawn once that courier answers it.
            ALTER TABLE outbound ADD COLUMN hold_order TEXT;
            ALTER TABLE outbound ADD COLUMN hold_courier TEXT;
            CREATE INDEX outbound_hold ON outbound(hold_order) WHERE hold_order IS NOT NULL;
            ALTER TABLE shops ADD COLUMN assignment_sms_after INTEGER;
            ALTER TABLE shops ADD COLUMN sms_without_push INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(
            7, "notify: couriers' masked numbers for their orders, and how long they outlive an order",
            """
            CREATE TABLE masked_calls (
                order_id TEXT NOT NULL, courier_id TEXT NOT NULL, binding_id TEXT NOT NULL, number TEXT NOT NULL,
                expires_at REAL NOT NULL, closed_at REAL, PRIMARY KEY (order_id, courier_id)
            ) WITHOUT ROWID;
            ALTER TABLE shops ADD COLUMN masked_call_hours INTEGER;
            """),
    ]
}
