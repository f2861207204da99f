import Foundation
import PosySchema
import PosyZMQ

/// A PUB socket connected to the bus frontend. Sends `[topic][envelope]` frames without blocking.
public final class BusPublisher: Sendable {
    let socket: ZMQSocket

    public init(busPub: String, security: BusSecurity) async throws {
        var options = ZMQSocketOptions()
        options.curve = try security.client(of: ServiceName.bus)
        options.sendHighWaterMark = 200_000
        socket = try await ZMQSocket.open(.pub, connect: [busPub], options: options, name: "bus-pub")
    }

    /// Queues already-encoded events (durable ones come from the outbox after commit).
    public func post(topic: String, envelope: Data) {
        socket.post([[Data(topic.utf8), envelope]])
    }

    /// Publishes an ephemeral event (seq 0, no outbox, not replayable): live positions, typing, pushes.
    public func publishEphemeral<T: Encodable>(topic: String, type: String, src: String, trace: String = "", payload: T) throws {
        let e = try Envelope.make(src: src, epoch: "", seq: 0, type: type, trace: trace, payload: payload)
        post(topic: topic, envelope: EnvelopeCodec.encode(e))
    }

    /// Publishes raw frames (tests and tools that must send arbitrary bytes).
    public func postRaw(_ frames: [Data]) { socket.post([frames]) }

    public var droppedSends: Int { socket.droppedSends }

    public func close() async { await socket.close() }
}
