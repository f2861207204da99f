import PosyStore

/// Migrations of `location.db` after the core one (version 1: outbox, cursors, meta). Domain tables come with later issues.
public enum LocationMigrations {
    public static let all: [Migration] = []
}
