/// A subscriber's position in one source's topic: the last applied `seq` within `epoch`.
public struct EventCursor: Sendable, Equatable {
    public var epoch: String
    public var seq: Int64

    public init(epoch: String, seq: Int64) {
        self.epoch = epoch
        self.seq = seq
    }
}

/// A (source, topic) pair: the unit in which seqs count.
public struct StreamKey: Sendable, Hashable {
    public let src: String
    public let topic: String

    public init(src: String, topic: String) {
        self.src = src
        self.topic = topic
    }
}
