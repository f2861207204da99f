import PosyStore

/// Migrations of `location.db` after the core one (version 1: outbox, cursors, meta).
public enum LocationMigrations {
    public static let all: [Migration] = [
        Migration(
            2, "location: shops, couriers, positions, deliveries, shop corrections",
            """
            CREATE TABLE shops (id TEXT PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL) WITHOUT ROWID;
            CREATE TABLE couriers (
                id TEXT PRIMARY KEY,
                shop_id TEXT NOT NULL,
                vehicle TEXT NOT NULL,
                on_duty INTEGER NOT NULL,
                last_t REAL,
                last_lat REAL,
                last_lon REAL,
                last_accuracy REAL,
                last_speed REAL,
                last_heading REAL,
                last_received REAL
            ) WITHOUT ROWID;
            CREATE INDEX couriers_shop ON couriers(shop_id);
            -- One row per kept fix; the key is the courier's time index.
            CREATE TABLE positions (
                courier_id TEXT NOT NULL,
                t REAL NOT NULL,
                lat REAL NOT NULL,
                lon REAL NOT NULL,
                accuracy REAL NOT NULL,
                speed REAL,
                heading REAL,
                received REAL NOT NULL,
                PRIMARY KEY (courier_id, t)
            ) WITHOUT ROWID;
            -- An order from the courier's acceptance on: its geofences, ETA and alert state.
            CREATE TABLE deliveries (
                order_id TEXT PRIMARY KEY,
                courier_id TEXT,
                shop_id TEXT NOT NULL,
                active INTEGER NOT NULL,
                body BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX deliveries_courier ON deliveries(courier_id) WHERE active = 1;
            CREATE INDEX deliveries_active ON deliveries(active) WHERE active = 1;
            -- How actual delivery times compared to their predictions, per shop.
            CREATE TABLE shop_corrections (
                shop_id TEXT PRIMARY KEY, ratio REAL NOT NULL, samples INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        // Without statistics SQLite answered "this courier's active deliveries" from
        // deliveries_active, reading every active delivery per position (2,000 couriers: 2,000 × 2,000
        // lookups a second). Indexes that carry `active` make the planner take the narrow one.
        Migration(
            3, "location: delivery indexes by courier and by shop that the planner prefers",
            """
            DROP INDEX deliveries_courier;
            CREATE INDEX deliveries_courier ON deliveries(courier_id, active) WHERE active = 1;
            CREATE INDEX deliveries_shop ON deliveries(shop_id, active) WHERE active = 1;
            """),
        Migration(
            4, "location: whether each courier's app is in the background",
            """
            ALTER TABLE couriers ADD COLUMN app_background INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE couriers ADD COLUMN app_state_at REAL;
            """),
    ]
}
