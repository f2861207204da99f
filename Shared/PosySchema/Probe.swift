/// `sys.probe`: a durable end-to-end check (`posy ping`). Every service applies it once and acks.
public struct Probe: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var id: String
    /// Sender's wall clock at emission, RFC 3339 ms.
    public var sentAt: String

    public init(id: String, sentAt: String) {
        self.id = id
        self.sentAt = sentAt
    }
}

/// `sys.probe.ack`: a service's durable acknowledgement of a ``Probe``, written in the same
/// transaction that applied the probe.
public struct ProbeAck: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var probeId: String
    /// The acknowledging instance (`orders`, `messaging-1`).
    public var instance: String
    /// How many times this instance has applied this probe id (always 1: exactly once).
    public var appliedCount: Int
    public var appliedAt: String

    public init(probeId: String, instance: String, appliedCount: Int, appliedAt: String) {
        self.probeId = probeId
        self.instance = instance
        self.appliedCount = appliedCount
        self.appliedAt = appliedAt
    }
}
