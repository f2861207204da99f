import Foundation
import PosySchema
import PosyZMQ
import Synchronization

/// A PUB socket connected to the bus frontend. Sends `[topic][envelope]` frames without blocking.
///
/// While the bus says it splits batches (``busSplitsBatches``), the events sent together — a commit
/// group's, handed over at the end of the writer's ``ZMQSocket/deferringWakes(_:)`` scope — leave as
/// one ``ZMQBatch`` message, which the bus forwards as the separate messages they were
/// (docs/protocol.md, "Batches to the bus"). Subscribers see no difference.
public final class BusPublisher: Sendable {
    let socket: ZMQSocket
    private let batching: Batching

    final class Batching: Sendable {
        let enabled = Atomic<Bool>(false)
        let batches = Atomic<Int>(0)
        let eventsInBatches = Atomic<Int>(0)
    }

    public init(busPub: String, security: BusSecurity) async throws {
        var options = ZMQSocketOptions()
        options.curve = try security.client(of: ServiceName.bus)
        options.sendHighWaterMark = 200_000
        socket = try await ZMQSocket.open(.pub, connect: [busPub], options: options, name: "bus-pub")
        let batching = Batching()
        self.batching = batching
        socket.setPacker { messages in
            guard batching.enabled.load(ordering: .relaxed) else { return messages }
            let (packed, batches) = ZMQBatch.pack(messages)
            if batches > 0 {
                batching.batches.add(batches, ordering: .relaxed)
                batching.eventsInBatches.add(messages.count - (packed.count - batches), ordering: .relaxed)
            }
            return packed
        }
    }

    /// Whether the bus splits batches, so that events sent together may leave as one message.
    public var busSplitsBatches: Bool {
        get { batching.enabled.load(ordering: .relaxed) }
        set { batching.enabled.store(newValue, ordering: .relaxed) }
    }

    /// Batch messages sent so far, and the events they carried.
    public var batchesSent: Int { batching.batches.load(ordering: .relaxed) }
    public var eventsSentInBatches: Int { batching.eventsInBatches.load(ordering: .relaxed) }

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
