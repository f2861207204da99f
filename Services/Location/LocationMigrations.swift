import PosyStore

/// Migrations of `location.db` after the core one (version 1: outbox, cursors, meta). Domain tables come with later issues.
enum LocationMigrations {
    static let all: [Migration] = []
}
