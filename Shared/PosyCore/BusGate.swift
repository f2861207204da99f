import Foundation
import Logging
import PosyAccess
import PosySchema
import Synchronization

/// What the bus lets through under CURVE (docs/protocol.md, "Who may say what"): a message of two
/// frames whose envelope's `src` is its publisher's own name, on a topic that is not another
/// service's, and — for a heartbeat — announcing the publisher itself; and subscriptions within
/// their subscriber's read grant ("Who may read what"). The rest is dropped, counted
/// (`bus.proxy`'s `frontendMessagesRefused`, `backendSubscriptionsRefused`) and logged. posy-bus runs it; so does `posy bench bus`,
/// to measure what it costs.
public final class BusGate: Sendable {
    private let logger: Logger
    private let security: BusSecurity
    private let refused = Atomic<Int64>(0)

    public init(security: BusSecurity, logger: Logger) {
        self.security = security
        self.logger = logger
    }

    /// The proxy's filter; runs on the proxy's thread for every published message. An event is read
    /// only as far as its header (``EnvelopeCodec/header(_:)``): checked whole, nothing of it copied
    /// but its `src` and `type`; a heartbeat is read in full, to check whom it announces.
    public func admits(peer: String, frames: UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Bool {
        guard frames.count == 2 else { return refuse(peer, "a message of \(frames.count) frames", topic: "") }
        let topic = String(decoding: frames[0], as: UTF8.self)
        if topic == Topic.heartbeat {
            guard let event = try? EnvelopeCodec.decode(frames[1]) else { return refuse(peer, "not an envelope", topic: topic) }
            guard EventSources.mayPublish(peer, topic: topic, event.header) else {
                return refuse(peer, "published as \(event.src) (\(event.type))", topic: topic)
            }
            guard let heartbeat = try? event.decode(Heartbeat.self), EventSources.isOwnHeartbeat(heartbeat, of: event) else {
                return refuse(peer, "a heartbeat that is not its own", topic: topic)
            }
            return true
        }
        guard let header = try? EnvelopeCodec.header(frames[1]) else { return refuse(peer, "not an envelope", topic: topic) }
        guard EventSources.mayPublish(peer, topic: topic, header) else {
            return refuse(peer, "published as \(header.src) (\(header.type))", topic: topic)
        }
        return true
    }

    /// The proxy's subscription filter: a subscription within its subscriber's read grant.
    public func mayRead(peer: String, prefix: UnsafeRawBufferPointer) -> Bool {
        guard !peer.isEmpty, EventReaders.covers(security.readGrant(of: peer), prefix: prefix) else {
            _ = refuse(peer, "a subscription outside its read grant", topic: String(decoding: prefix, as: UTF8.self))
            return false
        }
        return true
    }

    private func refuse(_ peer: String, _ why: String, topic: String) -> Bool {
        let count = refused.wrappingAdd(1, ordering: .relaxed).newValue
        if Metrics.worthLogging(count) {
            logger.warning(
                "refused a bus message",
                metadata: ["peer": "\(peer)", "reason": "\(why)", "topic": "\(topic.prefix(200))", "refused": "\(count)"])
        }
        return false
    }
}
