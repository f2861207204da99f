/// `events.replay` request: durable events of `topic` with seq > `after`, oldest first.
public struct ReplayRequest: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var topic: String
    /// The epoch the caller's cursor is in; a different epoch is answered with `epoch_mismatch`.
    public var epoch: String
    public var after: Int64
    /// At most this many events (the server caps it at 5,000).
    public var limit: Int

    public init(topic: String, epoch: String, after: Int64, limit: Int = 2_000) {
        self.topic = topic
        self.epoch = epoch
        self.after = after
        self.limit = limit
    }
}
