import Foundation

/// One bus event: `[topic][envelope]` on the wire, the envelope being this value as JSON.
///
/// `data` is kept as the raw JSON bytes of the payload so the bus can forward, store and replay
/// an event without decoding what it does not need; ``decode(_:)`` reads it as a typed value.
public struct Envelope: Sendable, Equatable {
    /// Envelope format version; this module writes and reads ``Envelope/currentVersion``.
    public var v: Int
    /// The source instance that emitted the event (`orders`, `messaging-2`, `cli`).
    public var src: String
    /// The source store's epoch; a new epoch means the source's history was reset.
    public var epoch: String
    /// Per (src, topic) sequence number, from 1. 0 marks an ephemeral event (not replayable).
    public var seq: Int64
    /// Position in the source store's log: one sequence over all of the store's durable events, from 1,
    /// without gaps. 0 for ephemeral events (and absent on the wire).
    public var pos: Int64
    /// Event type, e.g. `order.created`. Durable events use their type as their topic.
    public var type: String
    /// Emission time, RFC 3339 UTC with milliseconds.
    public var at: String
    /// Correlation id carried from the request that caused the event.
    public var trace: String
    /// The payload: a JSON value (object for every Posy event).
    public var data: Data
    /// The lowest wire protocol a reader must speak to apply this event (``WireProtocol``); 1, and
    /// absent on the wire, for every event a first-version reader understands.
    public var req: Int = 1

    public static let currentVersion = 1

    public init(
        v: Int = Envelope.currentVersion, src: String, epoch: String, seq: Int64, pos: Int64 = 0, type: String,
        at: String = Timestamp.now(), trace: String = "", data: Data = Data("{}".utf8)
    ) {
        self.v = v
        self.src = src
        self.epoch = epoch
        self.seq = seq
        self.pos = pos
        self.type = type
        self.at = at
        self.trace = trace
        self.data = data
    }

    /// Whether this event went through an outbox (and can be replayed).
    public var isDurable: Bool { seq > 0 }

    /// Who says what: the fields the bus's gate decides on.
    public var header: EnvelopeHeader { EnvelopeHeader(src: src, type: type, seq: seq) }

    /// Decodes the payload as `T`.
    public func decode<T: Decodable>(_: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw SchemaError(.badPayload, "payload of \(type) is not a valid \(T.self): \(error)")
        }
    }

    /// Builds an envelope whose payload is `payload` encoded as JSON.
    public static func make<T: Encodable>(
        src: String, epoch: String, seq: Int64, type: String, trace: String = "", payload: T
    ) throws -> Envelope {
        Envelope(src: src, epoch: epoch, seq: seq, type: type, trace: trace, data: try JSON.encode(payload))
    }
}
