/// What one store's process did for an erasure: the payload of `privacy.forgotten`, sent once the
/// rows are rewritten or deleted and the WAL holding their old bytes is checkpointed away.
public struct ErasureReport: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var requestId: String
    /// The instance that forgot (`notify`, `messaging-2`).
    public var instance: String
    /// What it rewrote or removed, by kind (`messages`, `media`, `outbox`, …).
    public var counts: [String: Int]
    public var at: String

    public init(requestId: String, instance: String, counts: [String: Int], at: String) {
        self.requestId = requestId
        self.instance = instance
        self.counts = counts
        self.at = at
    }
}
