import PosyStore

/// Migrations of `notify.db` after the core one (version 1: outbox, cursors, meta). Domain tables come with later issues.
enum NotifyMigrations {
    static let all: [Migration] = []
}
