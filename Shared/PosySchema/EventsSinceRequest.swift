/// `events.since` request: a store's durable events of every topic with `pos > after`, in log order.
/// The reply is a ``ReplayBatch`` whose `head` is the store's newest `pos`. A `limit` of 0 only asks
/// for the head.
public struct EventsSinceRequest: Codable, Sendable, Equatable {
    public var v: Int = 1
    /// The epoch the caller's position is in; a different epoch is answered with `epoch_mismatch`.
    /// Empty: any epoch (the reply says which).
    public var epoch: String
    public var after: Int64
    /// At most this many events (the server caps it at 5,000).
    public var limit: Int

    public init(epoch: String, after: Int64, limit: Int = 1_000) {
        self.epoch = epoch
        self.after = after
        self.limit = limit
    }
}
