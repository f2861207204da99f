import PosyStore

/// Migrations of `orders.db` after the core one (version 1: outbox, cursors, meta). Domain tables come with later issues.
enum OrdersMigrations {
    static let all: [Migration] = []
}
