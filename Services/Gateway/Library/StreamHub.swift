import Foundation
import Logging
import PosyAccess
import PosyCore
import PosyLocationPolicy
import PosyOrdersPolicy
import PosyReceiptsPolicy
import PosySchema
import PosyZMQ
import ServiceLifecycle
import Synchronization

/// The gateway side of `GET /v1/stream`: one bus subscription feeding an ``EventFeed`` per streamed
/// source, and what each source's events look like to a viewer. Connections (``StreamSession``)
/// read the feeds and wait in ``waiters`` for events that may concern them.
final class StreamHub: Service, Sendable {
    /// How a source's durable event reads to a viewer: the JSON to push, or nil to skip it.
    typealias Filter = @Sendable (Envelope, Viewer) -> Data?

    /// A streamed source: who its events may concern (decided once per event, see
    /// ``EventAudience``) and how each reads to a viewer among them.
    struct Source: Sendable {
        let audience: @Sendable (Envelope) -> EventAudience
        let filter: Filter
    }

    let host: ServiceHost
    let feeds: [EventFeed]
    let filters: [String: Filter]
    /// Streams with nothing to send, waiting for events that may concern them.
    let waiters = StreamWaiters()
    /// Held while feeds change and the change is told to the waiters, so that what a woken
    /// stream learns (the heads) never runs ahead of what was told (docs/architecture.md, "The stream").
    private let publishing = Mutex(())
    /// Chat pushes to connected users.
    let pushes = PushRouter()
    /// The push topics subscribed on the bus: those of this gateway's streams.
    let topics = PushTopics()
    /// Publishes a ``PushType/subscribed`` mark on a topic.
    private let mark: @Sendable (String) -> Void
    /// Told when posy-orders ends sessions or API keys.
    let access: AccessGuard?
    /// The check that pushes still reach this gateway through the bus.
    let canary: PushCanary
    /// How many streams are open, and how many this gateway takes.
    let capacity: StreamCapacity
    /// When each stream's token expires (one loop for all of them).
    let deadlines = StreamDeadlines()
    private let socket = Locked<ZMQSocket?>(nil)
    private let stopping = Atomic<Bool>(false)

    /// The sources the stream carries today, with their need-to-know filters.
    static let sources: [String: Source] = [
        ServiceName.orders: Source(audience: OrderVisibility.audience) { envelope, viewer in OrderVisibility.event(envelope, for: viewer) },
        ServiceName.receipts: Source(audience: ReceiptsVisibility.audience) { envelope, viewer in
            ReceiptsVisibility.event(envelope, for: viewer)
        },
        ServiceName.location: Source(audience: LocationVisibility.audience) { envelope, viewer in
            LocationVisibility.event(envelope, for: viewer)
        },
    ]

    init(
        host: ServiceHost, access: AccessGuard? = nil, capacity: StreamCapacity = StreamCapacity(limit: .max),
        sources: [String: Source] = StreamHub.sources
    ) {
        self.host = host
        self.access = access
        self.capacity = capacity
        self.canary = PushCanary(instance: host.descriptor.instance)
        let publish = host.ephemeralPublisher(src: host.descriptor.instance)
        self.mark = { topic in publish(topic, PushType.subscribed, Data("{}".utf8)) }
        self.filters = sources.mapValues(\.filter)
        self.feeds = sources.sorted { $0.key < $1.key }.map { EventFeed(src: $0.key, audience: $0.value.audience) }
    }

    func feed(_ src: String) -> EventFeed? { feeds.first { $0.src == src } }

    /// Reads the bus until shutdown, with one subscription per prefix of durable events the gateway
    /// may read (its grant: docs/protocol.md, "Who may read what"), its canaries' topics and the push
    /// topics of its streams (``topics``), and checks the push path meanwhile. A socket closed by
    /// ``resubscribe()`` is opened again at once, with the push topics of that moment.
    func run() async throws {
        var options = ZMQSocketOptions()
        options.curve = try host.security.client(of: ServiceName.bus)
        let durable = host.security.readGrant(of: ServiceName.gateway).filter { !Topic.pushPrefixes.contains($0) }
        options.receiveHighWaterMark = 100_000
        // Behind, it drops rather than hold libzmq back: feeds repair from the sources, pushes are hints.
        options.overflow = .drop
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await self.watchPushPath() }
                group.addTask { await self.deadlines.run() }
                while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                    let streamed = topics.detach()
                    var subscription = options
                    subscription.subscriptions = durable + canary.topics + streamed
                    let sub = try await ZMQSocket.open(.sub, connect: [host.busSub], options: subscription, name: "stream-sub")
                    socket.withLock { $0 = sub }
                    topics.attach(sub, subscribed: streamed)
                    if stopping.load(ordering: .relaxed) { await sub.close() }
                    // Routing awaits nothing, so it runs on the socket's own thread: a push reaches its
                    // connections' event loops without waking a pool thread (docs/architecture.md, "Threads").
                    await withTaskExecutorPreference(sub) {
                        while let batch = await sub.inbox.next(max: 1_000) {
                            ingest(batch)
                        }
                    }
                    await sub.close()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            let sub = self.socket.withLock { $0 }
            Task { await sub?.close() }
        }
    }

    /// Sends the canaries every second; when they stop coming back, subscribes again
    /// (docs/architecture.md, "The stream").
    func watchPushPath() async {
        let publish = host.ephemeralPublisher(src: host.descriptor.instance)
        while !Task.isCancelled {
            for topic in canary.topics { publish(topic, PushType.canary, Data("{}".utf8)) }
            try? await Task.sleep(for: PushCanary.interval)
            if canary.shouldResubscribe() {
                let count = host.metrics.increment("push_path_resubscribes")
                host.logger.warning(
                    "pushes stopped coming back through the bus; subscribing again",
                    metadata: ["check": "\(canary.check())", "resubscribes": "\(count)"])
                await resubscribe()
            }
        }
    }

    /// Registers a stream's pushes (``PushRouter``) and subscribes to their topics. Returns the handle
    /// for ``unlisten(_:)``.
    func listen(_ claims: TokenClaims, deliver: @escaping @Sendable (String) -> Void) -> (id: Int, topics: [String]) {
        let handle = pushes.register(claims, deliver: deliver)
        topics.add(handle.topics)
        return handle
    }

    func unlisten(_ handle: (id: Int, topics: [String])) {
        pushes.unregister(handle)
        topics.remove(handle.topics)
    }

    /// Waits until `streamTopics` reach this gateway through the bus, at most ``subscribeWait``; a
    /// stream says it is open after this.
    func subscribed(_ streamTopics: [String]) async {
        guard await !topics.confirm(streamTopics, within: Self.subscribeWait, mark: mark) else { return }
        let count = host.metrics.increment("push_subscriptions_unconfirmed")
        if Metrics.worthLogging(count) {
            host.logger.warning(
                "a stream opened before its push subscription was seen to reach the bus",
                metadata: ["unconfirmed": "\(count)", "waited": "\(Self.subscribeWait)"])
        }
    }

    /// How long a stream waits for its push topics' marks before it opens anyway (a bus that is down).
    static let subscribeWait: Duration = .seconds(2)

    /// Closes the bus subscription; ``run()`` opens a fresh one (new connection, new subscriptions).
    func resubscribe() async {
        let sub = socket.withLock { $0 }
        await sub?.close()
    }

    func ingest(_ batch: [[Data]]) {
        publishing.withLock { _ in
            var change = EventFeed.Change()
            for frames in batch {
                guard frames.count == 2 else { continue }
                let topic = String(decoding: frames[0], as: UTF8.self)
                // A push for no one here is not decoded (durable events never travel on push topics). Only
                // a push sent as its topic's last stream here closed should come.
                if Topic.isPush(topic), !canary.topics.contains(topic), !pushes.hasListeners(topic) {
                    host.metrics.increment("pushes_for_others")
                    continue
                }
                guard let e = try? EnvelopeCodec.decode(frames[1]) else { continue }
                if e.seq == 0, Topic.isPush(topic) {
                    if canary.heard(topic: topic, e) { continue }
                    if e.type == PushType.subscribed {
                        // Another gateway's mark (its stream listens on the same topic) is no push either.
                        if e.src == canary.instance { topics.heard(topic) }
                        continue
                    }
                    let n = pushes.route(topic: topic, e)
                    if n > 0 { host.metrics.increment("pushes_delivered", by: Int64(n)) }
                    continue
                }
                if e.type == Topic.fleetAccessEnded, e.src == ServiceName.orders, let ended = try? e.decode(AccessEnded.self) {
                    access?.end(ended.sessions + ended.apiKeys)
                }
                guard let feed = feed(e.src) else { continue }
                let result: EventFeed.Change
                if e.type == Topic.heartbeat {
                    guard let hb = try? e.decode(Heartbeat.self), let pos = hb.pos, !hb.epoch.isEmpty else { continue }
                    result = feed.heartbeat(epoch: hb.epoch, pos: pos)
                } else if e.pos > 0 {
                    result = feed.ingest(e)
                } else {
                    continue
                }
                change.appended += result.appended
                change.reset = change.reset || result.reset
                if result.repair { Task { await self.repair(feed) } }
            }
            tell(change)
        }
    }

    /// Wakes the streams a change in the feeds may concern (all of them when a feed started over).
    /// Called with `publishing` held.
    private func tell(_ change: EventFeed.Change) {
        var woken = 0
        if change.reset {
            woken = waiters.recheckAll()
        } else if !change.appended.isEmpty {
            let heads = Dictionary(uniqueKeysWithValues: feeds.compactMap { f in f.position.map { (f.src, $0) } })
            woken = waiters.arrived(
                change.appended.map { .init(src: $0.envelope.src, pos: $0.envelope.pos, audience: $0.audience) }, heads: heads)
        }
        if woken > 0 { host.metrics.increment("stream_wakeups", by: Int64(woken)) }
    }

    /// Fills a feed's gap from its source, one page at a time, until it reaches what the source has.
    func repair(_ feed: EventFeed) async {
        while let from = feed.repairFrom() {
            do {
                let batch = try await fetch(feed.src, after: from, limit: 1_000)
                publishing.withLock { _ in tell(feed.fill(from: from, events: batch.events, sourceHead: batch.head)) }
                host.metrics.increment("stream_feed_repairs")
                if batch.events.isEmpty {
                    feed.repairFailed()
                    return
                }
            } catch {
                host.logger.notice("stream feed repair failed", metadata: ["src": "\(feed.src)", "error": "\(error)"])
                feed.repairFailed()
                return
            }
        }
    }

    /// `events.since` on the source.
    func fetch(_ src: String, after: StreamCursor.Position, limit: Int) async throws -> ReplayBatch {
        let reply = try await host.callData(
            RPCMethod.eventsSince, EventsSinceRequest(epoch: after.epoch, after: after.pos, limit: limit), on: src, retries: 1,
            freshness: SuiteMonitor.heartbeatDeadline)
        return try ReplayBatch.decode(reply)
    }
}
