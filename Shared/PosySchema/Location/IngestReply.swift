/// The answer to a batch of positions: how many were kept and which were dropped, and why.
public struct IngestReply: Codable, Sendable, Equatable {
    /// Points kept (stored and used for live sharing, geofences and ETAs).
    public var accepted: Int
    /// The points that were not kept, by their index in the batch.
    public var dropped: [DroppedFix]

    public init(accepted: Int, dropped: [DroppedFix]) {
        self.accepted = accepted
        self.dropped = dropped
    }
}

/// One dropped point of a batch.
public struct DroppedFix: Codable, Sendable, Equatable {
    public var index: Int
    public var reason: DropReason

    public init(index: Int, reason: DropReason) {
        self.index = index
        self.reason = reason
    }
}
