import PosyStore

/// Migrations of `orders.db` after the core one (version 1: outbox, cursors, meta).
public enum OrdersMigrations {
    public static let all: [Migration] = [
        Migration(2, "orders: shops, couriers, orders, timeline, idempotency", """
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
            CREATE TABLE idempotency (
                actor TEXT NOT NULL, key TEXT NOT NULL, result BLOB NOT NULL, at TEXT NOT NULL,
                PRIMARY KEY (actor, key)
            ) WITHOUT ROWID;
            """),
    ]
}
