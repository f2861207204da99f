/// What changed for the caller since a sync token (`GET /v1/sync`). Apply `changes` in order, keep
/// `next`, and ask again at once while `more` is true.
public struct SyncPage: Codable, Sendable, Equatable {
    public var changes: [SyncChange]
    /// The token to pass as `since` next time.
    public var next: String
    public var more: Bool
    /// Shards that did not answer: their changes come in a later sync (the token keeps their place).
    public var unavailable: [String]
    /// Shards whose store was reset since the token: refetch their conversations.
    public var reset: [String]

    public init(changes: [SyncChange], next: String, more: Bool, unavailable: [String] = [], reset: [String] = []) {
        self.changes = changes
        self.next = next
        self.more = more
        self.unavailable = unavailable
        self.reset = reset
    }
}
