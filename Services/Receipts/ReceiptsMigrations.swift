import PosyStore

/// Migrations of `receipts.db` after the core one (version 1: outbox, cursors, meta). Domain tables come with later issues.
enum ReceiptsMigrations {
    static let all: [Migration] = []
}
