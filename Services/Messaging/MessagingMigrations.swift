import PosyStore

/// Migrations of `messaging-<shard>.db` after the core one (version 1). Domain tables come with the messaging issue.
enum MessagingMigrations {
    static let all: [Migration] = []
}
