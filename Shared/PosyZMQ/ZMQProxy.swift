import CMalloc
import CZeroMQ
import Foundation
import Synchronization

/// A forwarder between a frontend and a backend socket on its own thread (the bus's XSUB → XPUB).
///
/// It does what `zmq_proxy` does — whole messages, zero-copy — and what `zmq_proxy` cannot: every
/// message read on the frontend is shown to a ``Filter`` with the `User-Id` of the connection it
/// came from, and goes on only if the filter says so (docs/protocol.md, "Security"). With
/// `splitsBatches`, a ``ZMQBatch`` goes on as the messages it carries, each shown to the filter alone.
///
/// Subscriptions do not flow back. The frontend takes everything from its publishers (one
/// subscription to `""`, made at start and never cancelled) and the backend, in `ZMQ_XPUB_MANUAL`
/// mode, keeps each subscriber's own subscriptions for that subscriber alone. Forwarding them made
/// one upstream count shared by every subscriber: libzmq cancels upstream what a leaving peer had
/// asked for, refused or not, so a peer that asked for `""` and left cancelled the gateway's `""`
/// (docs/architecture.md, "Security inside the suite"). The proxy owns both sockets;
/// ``terminate()`` stops it.
public final class ZMQProxy: Sendable {
    /// Decides whether a message read on the frontend is forwarded: the peer's ZAP `User-Id` (empty
    /// without one) and the message's frames, valid only during the call. Runs on the proxy's thread.
    public typealias Filter = @Sendable (_ peer: String, _ frames: UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Bool
    /// Decides whether a subscriber may subscribe to `prefix`: its peer's ZAP `User-Id` and the prefix,
    /// valid only during the call. A refused subscription is never made, so nothing under it reaches
    /// that subscriber; without a filter every subscription is made.
    public typealias SubscriptionFilter = @Sendable (_ peer: String, _ prefix: UnsafeRawBufferPointer) -> Bool

    private let control: ZMQSocket
    private let counters: Counters
    public let frontendEndpoints: [String]
    public let backendEndpoints: [String]

    /// A message with more frames than this is dropped whole (no Posy message has more than four).
    static let maxFrames = 16
    /// Messages forwarded from one side before the other side gets its turn.
    static let batch = 1_024

    /// Binds both sides and starts forwarding. Throws if either bind fails.
    public static func start(
        frontend: ZMQSocketType, bind frontendBind: [String], options frontendOptions: ZMQSocketOptions,
        backend: ZMQSocketType, bind backendBind: [String], options backendOptions: ZMQSocketOptions,
        context: ZMQContext = .shared, filter: Filter? = nil, subscriptionFilter: SubscriptionFilter? = nil,
        splitsBatches: Bool = false
    ) async throws -> ZMQProxy {
        let controlAddress = "inproc://posy-proxy-control-\(UUID().uuidString)"
        let counters = Counters()
        let result: ([String], [String]) = try await withCheckedThrowingContinuation { c in
            let thread = Thread {
                posy_name_thread("posy.proxy")
                let ctx = context.handle
                guard let f = zmq_socket(ctx, frontend.raw), let b = zmq_socket(ctx, backend.raw),
                    let ctl = zmq_socket(ctx, ZMQ_PAIR)
                else { return c.resume(throwing: ZMQError.last("zmq_socket")) }
                func fail(_ e: ZMQError) {
                    zmq_close(f)
                    zmq_close(b)
                    zmq_close(ctl)
                    c.resume(throwing: e)
                }
                if let e = ZMQSocketLoop.apply(frontendOptions, type: frontend, to: f, context: context) { return fail(e) }
                if let e = ZMQSocketLoop.apply(backendOptions, type: backend, to: b, context: context) { return fail(e) }
                var on: Int32 = 1
                if zmq_setsockopt(b, ZMQ_XPUB_MANUAL, &on, 4) != 0 { return fail(.last("zmq_setsockopt(XPUB_MANUAL)")) }
                // Everything from every publisher, for good: an XSUB replays it to each new publisher.
                var all: UInt8 = 1
                if zmq_send(f, &all, 1, ZMQ_DONTWAIT) != 1 { return fail(.last("zmq_send(subscribe everything)")) }
                counters.back.messagesOut.add(1, ordering: .relaxed)
                counters.back.bytesOut.add(1, ordering: .relaxed)
                var zero: Int32 = 0
                zmq_setsockopt(ctl, ZMQ_LINGER, &zero, 4)
                if zmq_bind(ctl, controlAddress) != 0 { return fail(.last("zmq_bind(control)")) }
                var fe: [String] = []
                var be: [String] = []
                for e in frontendBind {
                    if zmq_bind(f, e) != 0 { return fail(.last("zmq_bind(\(e))")) }
                    fe.append(ZMQSocketLoop.lastEndpoint(f) ?? e)
                }
                for e in backendBind {
                    if zmq_bind(b, e) != 0 { return fail(.last("zmq_bind(\(e))")) }
                    be.append(ZMQSocketLoop.lastEndpoint(b) ?? e)
                }
                c.resume(returning: (fe, be))
                forward(
                    frontend: f, backend: b, control: ctl, filter: filter, subscriptionFilter: subscriptionFilter,
                    splitsBatches: splitsBatches, counters: counters)
                zmq_close(f)
                zmq_close(b)
                zmq_close(ctl)
            }
            thread.start()
        }
        let control = try await ZMQSocket.open(.pair, connect: [controlAddress], context: context, name: "proxy-ctl")
        return ZMQProxy(control: control, counters: counters, frontend: result.0, backend: result.1)
    }

    private init(control: ZMQSocket, counters: Counters, frontend: [String], backend: [String]) {
        self.control = control
        self.counters = counters
        self.frontendEndpoints = frontend
        self.backendEndpoints = backend
    }

    /// Message and byte counters of both sides, and the messages the filter refused.
    public var statistics: ProxyStatistics { counters.snapshot() }

    /// Stops forwarding; both sockets close.
    public func terminate() async {
        try? await control.send([Data("TERMINATE".utf8)])
        await control.close()
    }

    /// The loop: waits on the three sockets, moves whole messages across until the control socket says stop.
    static func forward(
        frontend f: UnsafeMutableRawPointer, backend b: UnsafeMutableRawPointer, control ctl: UnsafeMutableRawPointer,
        filter: Filter?, subscriptionFilter: SubscriptionFilter?, splitsBatches: Bool, counters: Counters
    ) {
        let parts = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: maxFrames + 1)
        defer { parts.deallocate() }
        var items = [zmq_pollitem_t](repeating: zmq_pollitem_t(), count: 3)
        for (i, s) in [ctl, f, b].enumerated() {
            items[i].socket = s
            items[i].events = Int16(ZMQ_POLLIN)
        }
        while true {
            for i in 0..<3 { items[i].revents = 0 }
            if zmq_poll(&items, 3, -1) < 0 {
                if zmq_errno() == posy_zmq_eintr() { continue }
                return  // ETERM
            }
            if items[0].revents & Int16(ZMQ_POLLIN) != 0 { return }  // TERMINATE (the only command)
            if items[1].revents & Int16(ZMQ_POLLIN) != 0 {
                if !move(
                    from: f, to: b, parts: parts, filter: filter, splitsBatches: splitsBatches, side: counters.front, counters: counters)
                {
                    return
                }
            }
            if items[2].revents & Int16(ZMQ_POLLIN) != 0 {
                if !subscribe(on: b, filter: subscriptionFilter, counters: counters) { return }
            }
        }
    }

    /// Moves up to ``batch`` waiting messages from `src` to `dst`. False when the context terminated.
    static func move(
        from src: UnsafeMutableRawPointer, to dst: UnsafeMutableRawPointer, parts: UnsafeMutablePointer<zmq_msg_t>,
        filter: Filter?, splitsBatches: Bool, side: Counters.Side, counters: Counters
    ) -> Bool {
        for _ in 0..<batch {
            var count = 0
            var bytes = 0
            var oversized = false
            while true {  // one whole message; frames past the first are already here
                let slot = parts + min(count, maxFrames)
                zmq_msg_init(slot)
                let rc = zmq_msg_recv(slot, src, count == 0 ? ZMQ_DONTWAIT : 0)
                if rc < 0 {
                    zmq_msg_close(slot)
                    for i in 0..<min(count, maxFrames) { zmq_msg_close(parts + i) }
                    return zmq_errno() != posy_zmq_eterm()
                }
                bytes += Int(rc)
                let more = zmq_msg_more(slot) != 0
                if count < maxFrames {
                    count += 1
                } else {
                    oversized = true
                    zmq_msg_close(slot)
                }
                if !more { break }
            }
            side.messagesIn.add(1, ordering: .relaxed)
            side.bytesIn.add(UInt64(bytes), ordering: .relaxed)
            var pass = !oversized
            if pass, splitsBatches, count == 2 {
                let topic = UnsafeRawBufferPointer(start: zmq_msg_data(parts), count: zmq_msg_size(parts))
                if topic.elementsEqual(ZMQBatch.topicBytes) {
                    let packed = UnsafeRawBufferPointer(start: zmq_msg_data(parts + 1), count: zmq_msg_size(parts + 1))
                    split(
                        packed, peer: filter == nil ? "" : ZMQSocketLoop.userId(of: parts + 1), to: dst, filter: filter, side: side,
                        counters: counters)
                    zmq_msg_close(parts)
                    zmq_msg_close(parts + 1)
                    continue
                }
            }
            if pass, let filter {
                pass = withUnsafeTemporaryAllocation(of: UnsafeRawBufferPointer.self, capacity: count) { frames in
                    for i in 0..<count {
                        frames.initializeElement(
                            at: i, to: UnsafeRawBufferPointer(start: zmq_msg_data(parts + i), count: zmq_msg_size(parts + i)))
                    }
                    return filter(ZMQSocketLoop.userId(of: parts + count - 1), UnsafeBufferPointer(frames))
                }
            }
            guard pass else {
                counters.refused.add(1, ordering: .relaxed)
                for i in 0..<count { zmq_msg_close(parts + i) }
                continue
            }
            var sent = true
            for i in 0..<count {
                // A successful send empties the message; closing it then is a no-op.
                if sent && zmq_msg_send(parts + i, dst, i < count - 1 ? ZMQ_SNDMORE : 0) < 0 { sent = false }
                zmq_msg_close(parts + i)
            }
            if sent {
                side.messagesOut.add(1, ordering: .relaxed)
                side.bytesOut.add(UInt64(bytes), ordering: .relaxed)
            }
        }
        return true
    }

    /// Forwards each message of a batch (``ZMQBatch``) on its own, in order, each shown to the filter
    /// as if it had come alone from `peer`: what the bus's subscribers receive is what they would
    /// have without batches. A malformed batch is refused whole.
    static func split(
        _ packed: UnsafeRawBufferPointer, peer: String, to dst: UnsafeMutableRawPointer, filter: Filter?, side: Counters.Side,
        counters: Counters
    ) {
        // One pair of frames for the filter to read, reused for every message of the batch.
        let frames = UnsafeMutableBufferPointer<UnsafeRawBufferPointer>.allocate(capacity: 2)
        defer { frames.deallocate() }
        let wellFormed = ZMQBatch.split(packed) { topic, body in
            frames[0] = topic
            frames[1] = body
            // A batch inside a batch is never split further: refused, like any message the filter refuses.
            if topic.elementsEqual(ZMQBatch.topicBytes) || filter.map({ !$0(peer, UnsafeBufferPointer(frames)) }) == true {
                counters.refused.add(1, ordering: .relaxed)
                return
            }
            // An XPUB never blocks (a full subscriber drops), so only a terminating context fails these.
            guard zmq_send(dst, topic.baseAddress, topic.count, ZMQ_SNDMORE) >= 0, zmq_send(dst, body.baseAddress, body.count, 0) >= 0
            else { return }
            side.messagesOut.add(1, ordering: .relaxed)
            side.bytesOut.add(UInt64(topic.count + body.count), ordering: .relaxed)
        }
        if !wellFormed { counters.refused.add(1, ordering: .relaxed) }
    }

    /// Subscriptions waiting on an XPUB in manual mode, up to ``batch``: each is made for the
    /// subscriber that sent it (the last pipe read) if `filter` admits it; a cancellation is applied
    /// to that subscriber alone — the ones libzmq makes up for a peer that left name no pipe, and its
    /// subscriptions went with it. Nothing goes upstream. False when the context terminated.
    static func subscribe(on xpub: UnsafeMutableRawPointer, filter: SubscriptionFilter?, counters: Counters) -> Bool {
        var msg = zmq_msg_t()
        for _ in 0..<batch {
            zmq_msg_init(&msg)
            let rc = zmq_msg_recv(&msg, xpub, ZMQ_DONTWAIT)
            if rc < 0 {
                zmq_msg_close(&msg)
                return zmq_errno() != posy_zmq_eterm()
            }
            counters.back.messagesIn.add(1, ordering: .relaxed)
            counters.back.bytesIn.add(UInt64(rc), ordering: .relaxed)
            // A subscription is one frame: 1 (subscribe) or 0 (unsubscribe), then the prefix.
            let size = zmq_msg_size(&msg)
            let bytes = UnsafeRawBufferPointer(start: zmq_msg_data(&msg), count: size)
            var more = zmq_msg_more(&msg) != 0
            guard !more, size >= 1, bytes[0] <= 1 else {
                zmq_msg_close(&msg)
                while more {  // the rest of a message that is no subscription
                    zmq_msg_init(&msg)
                    more = zmq_msg_recv(&msg, xpub, 0) >= 0 && zmq_msg_more(&msg) != 0
                    zmq_msg_close(&msg)
                }
                counters.subscriptionsRefused.add(1, ordering: .relaxed)
                continue
            }
            let prefix = UnsafeRawBufferPointer(rebasing: bytes[1...])
            let subscribing = bytes[0] == 1
            if subscribing, let filter, !filter(ZMQSocketLoop.userId(of: &msg), prefix) {
                counters.subscriptionsRefused.add(1, ordering: .relaxed)
                zmq_msg_close(&msg)
                continue
            }
            _ = zmq_setsockopt(xpub, subscribing ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE, prefix.baseAddress, prefix.count)
            zmq_msg_close(&msg)
        }
        return true
    }

    /// The counters the proxy's thread writes and ``statistics`` reads.
    final class Counters: Sendable {
        final class Side: Sendable {
            let messagesIn = Atomic<UInt64>(0)
            let bytesIn = Atomic<UInt64>(0)
            let messagesOut = Atomic<UInt64>(0)
            let bytesOut = Atomic<UInt64>(0)
        }
        /// Read on the frontend, written to the backend.
        let front = Side()
        /// Read on the backend (subscriptions); written to the frontend: only the one subscription to everything.
        let back = Side()
        let refused = Atomic<UInt64>(0)
        let subscriptionsRefused = Atomic<UInt64>(0)

        func snapshot() -> ProxyStatistics {
            ProxyStatistics(
                frontendMessagesIn: front.messagesIn.load(ordering: .relaxed), frontendBytesIn: front.bytesIn.load(ordering: .relaxed),
                frontendMessagesOut: back.messagesOut.load(ordering: .relaxed), frontendBytesOut: back.bytesOut.load(ordering: .relaxed),
                backendMessagesIn: back.messagesIn.load(ordering: .relaxed), backendBytesIn: back.bytesIn.load(ordering: .relaxed),
                backendMessagesOut: front.messagesOut.load(ordering: .relaxed), backendBytesOut: front.bytesOut.load(ordering: .relaxed),
                frontendMessagesRefused: refused.load(ordering: .relaxed),
                backendSubscriptionsRefused: subscriptionsRefused.load(ordering: .relaxed))
        }
    }
}

/// What the proxy moved: messages and bytes read (`In`) and written (`Out`) on each side, in the
/// terms of `zmq_proxy`'s statistics, the frontend messages its filter refused and the subscriptions
/// its subscription filter refused.
public struct ProxyStatistics: Sendable, Codable {
    public var frontendMessagesIn, frontendBytesIn, frontendMessagesOut, frontendBytesOut: UInt64
    public var backendMessagesIn, backendBytesIn, backendMessagesOut, backendBytesOut: UInt64
    public var frontendMessagesRefused: UInt64
    /// Subscriptions the subscription filter refused (and messages on the backend that were none).
    public var backendSubscriptionsRefused: UInt64
}
