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

/// The gateway side of `GET /v1/stream`: one bus subscription feeding an ``EventFeed`` per streamed
/// source, and what each source's events look like to a viewer. Connections (``StreamSession``)
/// read the feeds and wait on ``signal`` for more.
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
    let signal = ChangeSignal()
    /// Chat pushes to connected users.
    let pushes = PushRouter()
    /// Told when posy-orders ends sessions or API keys.
    let access: AccessGuard?
    private let socket = Locked<ZMQSocket?>(nil)

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

    init(host: ServiceHost, access: AccessGuard? = nil, sources: [String: Source] = StreamHub.sources) {
        self.host = host
        self.access = access
        self.filters = sources.mapValues(\.filter)
        self.feeds = sources.sorted { $0.key < $1.key }.map { EventFeed(src: $0.key, audience: $0.value.audience) }
    }

    func feed(_ src: String) -> EventFeed? { feeds.first { $0.src == src } }

    func run() async throws {
        var options = ZMQSocketOptions()
        options.curve = try host.security.client(of: ServiceName.bus)
        options.subscriptions = [""]
        options.receiveHighWaterMark = 100_000
        let sub = try await ZMQSocket.open(.sub, connect: [host.busSub], options: options, name: "stream-sub")
        socket.withLock { $0 = sub }
        await withGracefulShutdownHandler {
            while let batch = await sub.inbox.next(max: 1_000) {
                ingest(batch)
            }
        } onGracefulShutdown: {
            Task { await sub.close() }
        }
        await sub.close()
    }

    func ingest(_ batch: [[Data]]) {
        var changed = false
        for frames in batch {
            guard frames.count == 2, let e = try? EnvelopeCodec.decode(frames[1]) else { continue }
            if e.seq == 0, let topic = String(data: frames[0], encoding: .utf8), PushRouter.isPush(topic) {
                let n = pushes.route(topic: topic, e)
                if n > 0 { host.metrics.increment("pushes_delivered", by: Int64(n)) }
                continue
            }
            if e.type == Topic.fleetAccessEnded, e.src == ServiceName.orders, let ended = try? e.decode(AccessEnded.self) {
                access?.end(ended.sessions + ended.apiKeys)
            }
            guard let feed = feed(e.src) else { continue }
            let result: (changed: Bool, repair: Bool)
            if e.type == Topic.heartbeat {
                guard let hb = try? e.decode(Heartbeat.self), let pos = hb.pos, !hb.epoch.isEmpty else { continue }
                result = feed.heartbeat(epoch: hb.epoch, pos: pos)
            } else if e.pos > 0 {
                result = feed.ingest(e)
            } else {
                continue
            }
            changed = changed || result.changed
            if result.repair { Task { await self.repair(feed) } }
        }
        if changed { signal.bump() }
    }

    /// Fills a feed's gap from its source, one page at a time, until it reaches what the source has.
    func repair(_ feed: EventFeed) async {
        while let from = feed.repairFrom() {
            do {
                let batch = try await fetch(feed.src, after: from, limit: 1_000)
                let changed = feed.fill(from: from, events: batch.events, sourceHead: batch.head)
                host.metrics.increment("stream_feed_repairs")
                if changed { signal.bump() }
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
