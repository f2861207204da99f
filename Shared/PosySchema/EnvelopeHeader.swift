/// The part of an ``Envelope`` that says who says what: what the bus's gate decides on
/// (docs/protocol.md, "Who may say what"). Read with ``EnvelopeCodec/header(_:)``, which checks the
/// whole envelope as ``EnvelopeCodec/decode(_:)`` does but keeps only these fields, so that a frame
/// the bus forwards costs it no copy of its payload or of its other strings.
public struct EnvelopeHeader: Sendable, Equatable {
    /// The source instance that emitted the event.
    public var src: String
    /// The event's type.
    public var type: String
    /// Per (src, topic) sequence number; 0 for an ephemeral event.
    public var seq: Int64

    public init(src: String, type: String, seq: Int64) {
        self.src = src
        self.type = type
        self.seq = seq
    }

    /// Whether the event went through an outbox (as ``Envelope/isDurable``).
    public var isDurable: Bool { seq > 0 }
}
