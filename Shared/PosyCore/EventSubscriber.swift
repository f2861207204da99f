import Foundation
import Logging
import PosyAccess
import PosySchema
import PosyStore
import PosyZMQ
import Synchronization

/// A durable, exactly-once consumer of bus events (docs/architecture.md, "Lossless events").
///
/// For every (source, topic) it keeps a cursor `(epoch, seq)` in the store and applies an event
/// in the same transaction that advances the cursor, so an effect happens once across crashes.
/// Events that arrive in order are applied in batches (one transaction per batch). A seq jump, or a
/// heartbeat whose head is ahead of the cursor, makes it ask the source (`events.replay`, endpoint
/// from the heartbeat) for what it missed and apply that in order. A new epoch resets the cursor.
/// Duplicates are dropped. Garbage frames are counted, logged and dropped.
public actor EventSubscriber {
    /// Where a subscriber with no cursor for a source starts.
    public enum StartPosition: Sendable {
        /// Apply the source's whole retained history.
        case beginning
        /// Apply only what is published after the subscriber first hears of the source.
        case latest
    }

    /// Applies one durable event inside the subscriber's write transaction. Throwing records the
    /// event in `dead_events` (the cursor still advances, so one poison event cannot block a stream).
    public typealias DurableHandler = @Sendable (SQLiteConnection, Envelope) throws -> Void
    /// The subscriber's own dispatch: the topic the event arrived on, then the event.
    public typealias TopicHandler = @Sendable (SQLiteConnection, String, Envelope) throws -> Void

    var socket: ZMQSocket
    /// How the socket was opened, to open it again after a silence.
    let options: ZMQSocketOptions
    let busSub: String
    var closed = false
    var lastHeard = ContinuousClock.now
    /// A batch is being applied (a long replay is no silence).
    var processing = false
    /// How long a connection may be silent before it is opened again (``silence``; tests shorten it).
    let silentAfter: Duration
    let security: BusSecurity
    let store: Store?
    let durable: [SubscriptionPattern]
    let startAt: StartPosition
    let directory: Directory
    let pool: RPCClientPool
    let metrics: Metrics
    let logger: Logger
    let handler: TopicHandler
    var cursors: [StreamKey: EventCursor] = [:]
    /// Events each source had that this subscriber had not applied, at the source's last heartbeat.
    nonisolated let lagBySource = Mutex<[String: Int64]>([:])
    /// Neighbours already said to speak another protocol (`instance protocol`).
    var protocolsNoted: Set<String> = []
    /// Cursors set without an applied event (start position `latest`), written with the next batch.
    var unsavedCursors: Set<StreamKey> = []
    public static let replayPage = 2_000
    /// Every process heartbeats each second, the bus through itself: this long without a single
    /// message means the connection is gone, whatever TCP thinks (docs/architecture.md, "Threads").
    public static let silence: Duration = .seconds(10)

    public init(
        busSub: String, security: BusSecurity, store: Store?, durable: [String], startAt: StartPosition = .beginning,
        directory: Directory, pool: RPCClientPool, metrics: Metrics, logger: Logger,
        receiveHighWaterMark: Int32 = 100_000, inboxCapacity: Int = 10_000, silence: Duration = EventSubscriber.silence,
        handler: @escaping TopicHandler = { _, _, _ in }
    ) async throws {
        self.silentAfter = silence
        precondition(durable.isEmpty || store != nil, "durable subscriptions need a store for cursors")
        var options = ZMQSocketOptions()
        options.curve = try security.client(of: ServiceName.bus)
        options.receiveHighWaterMark = receiveHighWaterMark
        options.inboxCapacity = inboxCapacity
        options.subscriptions = [Topic.heartbeat] + durable
        // What does not fit is dropped, never held in libzmq; the lossless rules fetch it again.
        options.overflow = .drop
        // A peer is alive when its heartbeat arrives, not when this subscriber gets to it behind
        // events it is still applying (docs/architecture.md, "Threads").
        options.peek = { [directory, security] frames in Self.notePeer(frames, in: directory, security: security) }
        socket = try await ZMQSocket.open(.sub, connect: [busSub], options: options, name: "bus-sub")
        self.options = options
        self.busSub = busSub
        self.security = security
        self.store = store
        self.durable = durable.map(SubscriptionPattern.init)
        self.startAt = startAt
        self.directory = directory
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
        self.handler = handler
        if let store { cursors = try await Self.loadCursors(store) }
    }

    /// The cursor of one stream (tests, stats).
    public func cursor(src: String, topic: String) -> EventCursor? { cursors[StreamKey(src: src, topic: topic)] }

    /// Consumes until ``close()`` (or cancellation); a connection silent for ``silence`` is opened again.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.watchSilence() }
            while !closed && !Task.isCancelled {
                let current = socket
                var dropped = 0
                while let batch = await current.inbox.next(max: 2_000) {
                    processing = true
                    await process(batch)
                    processing = false
                    lastHeard = .now
                    let now = current.overflowed
                    if now > dropped {
                        // Arrived while this subscriber was behind: gap repair fetches them again.
                        metrics.increment("bus_overflow_dropped", by: Int64(now - dropped))
                        dropped = now
                    }
                }
                guard !closed && !Task.isCancelled else { break }
                do {
                    socket = try await ZMQSocket.open(.sub, connect: [busSub], options: options, name: "bus-sub")
                } catch {
                    logger.error("cannot open the bus subscription again", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            group.cancelAll()
        }
    }

    /// Closes the subscription when nothing at all arrived for ``silence``; ``run()`` opens a new one.
    func watchSilence() async {
        while !Task.isCancelled && !closed {
            try? await Task.sleep(for: silentAfter / 5)
            guard !closed, !Task.isCancelled, !processing, ContinuousClock.now - lastHeard > silentAfter else { continue }
            let count = metrics.increment("bus_resubscribes")
            logger.warning(
                "nothing heard from the bus; subscribing again",
                metadata: ["silentSeconds": "\(Int((ContinuousClock.now - lastHeard).seconds))", "resubscribes": "\(count)"])
            lastHeard = .now
            await socket.close()
        }
    }

    public func close() async {
        closed = true
        await socket.close()
    }

    func isDurable(_ topic: String) -> Bool { durable.contains { $0.matches(topic) } }

    enum Verdict { case next, duplicate, gap, tooNew }

    /// Classifies a durable event against the (tentative) cursor and advances it for `.next`. An
    /// event that needs a newer protocol than this process speaks is neither applied nor passed over:
    /// its stream waits here, said loudly, until this process is upgraded (docs/protocol.md,
    /// "Versions and upgrades").
    func classify(_ e: Envelope, topic: String) -> Verdict {
        if e.req > WireProtocol.version {
            refuseNewer(src: e.src, what: "\(topic) #\(e.seq) needs protocol \(e.req)")
            return .tooNew
        }
        let key = StreamKey(src: e.src, topic: topic)
        var c = cursors[key] ?? EventCursor(epoch: e.epoch, seq: startAt == .latest ? e.seq - 1 : 0)
        if c.epoch != e.epoch {
            logger.notice(
                "source has a new epoch; cursor reset",
                metadata: [
                    "src": "\(e.src)", "topic": "\(topic)", "old": "\(c.epoch)", "new": "\(e.epoch)",
                ])
            metrics.increment("epoch_resets")
            c = EventCursor(epoch: e.epoch, seq: 0)
        }
        if e.seq <= c.seq {
            cursors[key] = c
            return .duplicate
        }
        if e.seq == c.seq + 1 {
            c.seq = e.seq
            cursors[key] = c
            return .next
        }
        cursors[key] = c
        return .gap
    }

    /// On the socket's thread: a heartbeat the bus let through and that names its own sender
    /// marks that peer alive in the directory. Anything else waits for ``process(_:)``, which also
    /// says why a heartbeat was refused.
    static func notePeer(_ frames: [Data], in directory: Directory, security: BusSecurity) {
        guard frames.count == 2, frames[0].elementsEqual(Topic.heartbeat.utf8), let e = try? EnvelopeCodec.decode(frames[1]),
            let hb = try? e.decode(Heartbeat.self), hb.instance == e.src
        else { return }
        if admits(hb, of: e, security: security) { directory.update(hb) }
    }

    /// Whether a heartbeat speaks for its own sender. The bus checked who sent it; this is the
    /// second check (docs/protocol.md, "Who may say what").
    static func admits(_ hb: Heartbeat, of e: Envelope, security: BusSecurity) -> Bool {
        !security.isSecure || (EventSources.isOwnHeartbeat(hb, of: e) && security.knows(String(ServiceName.identity(of: e.src))))
    }

    func process(_ batch: [[Data]]) async {
        var ready: [(String, Envelope)] = []
        var catchUps: [StreamKey: Int64] = [:]
        var attempted: Set<StreamKey> = []
        for frames in batch {
            guard frames.count == 2, let topic = String(data: frames[0], encoding: .utf8) else {
                drop("wrong frame count or topic", frames: frames)
                continue
            }
            let e: Envelope
            do {
                e = try EnvelopeCodec.decode(frames[1])
            } catch let error as SchemaError where error.code == .upgradeRequired {
                let src = (try? JSON.member("src", of: frames[1])).flatMap { $0 }.flatMap { try? JSON.decode(String.self, from: $0) }
                refuseNewer(src: src ?? "?", what: error.message)
                continue
            } catch {
                drop("\(error)", frames: frames)
                continue
            }
            if topic == Topic.heartbeat {
                guard let hb = try? e.decode(Heartbeat.self), hb.instance == e.src else {
                    drop("bad heartbeat", frames: frames)
                    continue
                }
                if !Self.admits(hb, of: e, security: security) {
                    refuse(e, topic: topic)
                    continue
                }
                noteProtocol(hb)
                noteHeads(hb, into: &catchUps)
                continue
            }
            if e.seq == 0 { continue }  // ephemeral: not this subscriber's (pushes go to the gateway's own subscription)
            guard isDurable(topic) else { continue }
            if security.isSecure {
                let source = String(ServiceName.identity(of: e.src))
                guard security.knows(source), EventSources.mayPublish(source, topic: topic, e) else {
                    refuse(e, topic: topic)
                    continue
                }
            }
            switch classify(e, topic: topic) {
            case .next: ready.append((topic, e))
            case .tooNew: continue
            case .duplicate: metrics.increment("events_duplicate")
            case .gap:
                metrics.increment("event_gaps")
                let key = StreamKey(src: e.src, topic: topic)
                // One replay attempt per stream per batch: if it failed, the rest of this stream in the
                // batch is left for the next heartbeat (the source still has it in its outbox), so a
                // dead source cannot stall the batch behind the heartbeat that names its new endpoint.
                guard !attempted.contains(key) else {
                    metrics.increment("events_deferred")
                    continue
                }
                attempted.insert(key)
                await flush(ready)
                ready = []
                await catchUp(key, to: e.seq)
            }
        }
        await flush(ready)
        for (key, head) in catchUps where !attempted.contains(key) {
            let c = cursors[key]
            if c == nil || c!.seq < head || c!.epoch != directory.peer(key.src)?.heartbeat.epoch {
                await catchUp(key, to: head)
            }
        }
    }

    /// An event from a source that is not in the suite, or that may not say it: never applied.
    func refuse(_ e: Envelope, topic: String) {
        let count = metrics.increment("events_refused")
        if Metrics.worthLogging(count) {
            logger.warning(
                "refused an event from a source that may not publish it",
                metadata: [
                    "src": "\(e.src.prefix(64))", "topic": "\(topic.prefix(200))", "type": "\(e.type.prefix(64))", "refused": "\(count)",
                ])
        }
    }

    func drop(_ why: String, frames: [Data]) {
        metrics.increment("bus_frames_dropped")
        logger.warning(
            "dropped bus message",
            metadata: [
                "reason": "\(why.prefix(200))", "frames": "\(frames.count)", "bytes": "\(frames.reduce(0) { $0 + $1.count })",
            ])
    }

    /// A heartbeat tells every head of its source: behind on a subscribed topic means missed events.
    func noteHeads(_ hb: Heartbeat, into catchUps: inout [StreamKey: Int64]) {
        var lag: Int64 = 0
        var follows = false
        defer { if follows { lagBySource.withLock { $0[hb.instance] = lag } } }
        for (topic, head) in hb.heads where isDurable(topic) {
            let key = StreamKey(src: hb.instance, topic: topic)
            follows = true
            if let c = cursors[key], c.epoch == hb.epoch { lag += max(0, head - c.seq) } else if startAt == .beginning { lag += head }
            if let c = cursors[key] {
                if c.epoch != hb.epoch {
                    catchUps[key] = head
                } else if head > c.seq {
                    catchUps[key] = head
                }
            } else if startAt == .latest {
                cursors[key] = EventCursor(epoch: hb.epoch, seq: head)
                unsavedCursors.insert(key)
            } else if head > 0 {
                catchUps[key] = head
            }
        }
    }

    /// Applies in-order events in one transaction together with their cursors.
    func flush(_ events: [(String, Envelope)]) async {
        guard let store, !events.isEmpty || !unsavedCursors.isEmpty else { return }
        var touched = Set(events.map { StreamKey(src: $0.1.src, topic: $0.0) })
        touched.formUnion(unsavedCursors)
        let positions = touched.map { ($0, cursors[$0]!) }
        let handler = self.handler
        let start = ContinuousClock.now
        do {
            let dead = try await store.write { db -> Int in
                var dead = 0
                do {
                    try db.savepoint { for (topic, e) in events { try handler(db, topic, e) } }
                } catch {
                    // One event failed: apply one by one so only the poison ones are set aside.
                    for (topic, e) in events {
                        do {
                            try db.savepoint { try handler(db, topic, e) }
                        } catch {
                            dead += 1
                            try db.run(
                                "INSERT INTO dead_events(src, topic, epoch, seq, envelope, error, at) VALUES (?,?,?,?,?,?,?)",
                                e.src, topic, e.epoch, e.seq, EnvelopeCodec.encode(e), "\(error)", Date().timeIntervalSince1970)
                        }
                    }
                }
                for (key, c) in positions {
                    try db.run(
                        "INSERT INTO cursors(src, topic, epoch, seq) VALUES (?,?,?,?) ON CONFLICT(src, topic) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq",
                        key.src, key.topic, c.epoch, c.seq)
                }
                return dead
            }
            unsavedCursors.removeAll()
            metrics.increment("events_applied", by: Int64(events.count - dead))
            if dead > 0 {
                metrics.increment("events_dead", by: Int64(dead))
                logger.error("events could not be applied; kept in dead_events", metadata: ["count": "\(dead)"])
            }
            metrics.observe("event_apply_batch", seconds: (ContinuousClock.now - start).seconds)
        } catch {
            // Nothing was applied: go back to what the store says; replay fills the hole.
            logger.error("applying events failed; reloading cursors", metadata: ["error": "\(error)"])
            metrics.increment("event_apply_failures")
            await reloadCursors()
        }
    }

    func reloadCursors() async {
        guard let store, let loaded = try? await Self.loadCursors(store) else { return }
        cursors = loaded
        unsavedCursors.removeAll()
    }

    static func loadCursors(_ store: Store) async throws -> [StreamKey: EventCursor] {
        let rows = try await store.read { db in
            try db.query("SELECT src, topic, epoch, seq FROM cursors").map { row in
                (StreamKey(src: row.string(0)!, topic: row.string(1)!), EventCursor(epoch: row.string(2)!, seq: row.int(3)!))
            }
        }
        return Dictionary(rows, uniquingKeysWith: { _, last in last })
    }

    /// Asks the source for everything after our cursor up to `target`, page by page, and applies it.
    func catchUp(_ key: StreamKey, to target: Int64) async {
        guard let peer = directory.peer(key.src), !peer.heartbeat.rpc.isEmpty else {
            metrics.increment("replay_unresolved")
            logger.debug("gap from a source not yet discovered; waiting for its heartbeat", metadata: ["src": "\(key.src)"])
            return
        }
        var rounds = 0
        while rounds < 1_000 {
            rounds += 1
            var c = cursors[key] ?? EventCursor(epoch: peer.heartbeat.epoch, seq: 0)
            if c.epoch != peer.heartbeat.epoch {
                c = EventCursor(epoch: peer.heartbeat.epoch, seq: 0)
                cursors[key] = c
            }
            if c.seq >= target { return }
            let request = ReplayRequest(topic: key.topic, epoch: c.epoch, after: c.seq, limit: Self.replayPage)
            let batch: ReplayBatch
            do {
                let client = try await pool.client(peer.heartbeat.rpc, identity: peer.heartbeat.service)
                let data = try await client.call(
                    RPCMethod.eventsReplay.name, body: try JSON.encode(request), timeout: .seconds(2), retries: 1)
                batch = try ReplayBatch.decode(data)
            } catch let e as PosyError where e.code == .epochMismatch {
                cursors[key] = EventCursor(epoch: peer.heartbeat.epoch, seq: 0)
                continue
            } catch {
                metrics.increment("replay_failures")
                logger.warning(
                    "replay failed; will retry on the next heartbeat",
                    metadata: [
                        "src": "\(key.src)", "topic": "\(key.topic)", "error": "\(error)",
                    ])
                return
            }
            metrics.increment("replay_requests")
            guard batch.epoch == c.epoch else {
                cursors[key] = EventCursor(epoch: batch.epoch, seq: 0)
                continue
            }
            guard let first = batch.events.first else {
                if batch.head > c.seq { markLost(key, from: c.seq + 1, to: batch.head) }
                return
            }
            if first.seq > c.seq + 1 { markLost(key, from: c.seq + 1, to: first.seq - 1) }
            var ready: [(String, Envelope)] = []
            var waits = false
            for e in batch.events where e.src == key.src && !waits {
                switch classify(e, topic: key.topic) {
                case .next: ready.append((key.topic, e))
                case .tooNew: waits = true  // the stream waits for this process's upgrade
                default: break
                }
            }
            metrics.increment("events_replayed", by: Int64(ready.count))
            await flush(ready)
            if waits { return }
            if batch.events.count < Self.replayPage && (cursors[key]?.seq ?? 0) >= min(target, batch.head) { return }
        }
    }

    /// An event this process is too old to read: counted, and logged (the 1st, 2nd, 4th, … time)
    /// with the version its source said in its heartbeat.
    func refuseNewer(src: String, what: String) {
        let count = metrics.increment("events_need_upgrade")
        guard Metrics.worthLogging(count) else { return }
        let peer = directory.peer(src)?.heartbeat
        logger.error(
            "an event needs a newer protocol than this process speaks: it waits here until this process is upgraded",
            metadata: [
                "src": "\(src.prefix(64))", "event": "\(what.prefix(200))", "peerVersion": "\(peer?.version.prefix(40) ?? "unknown")",
                "peerProtocol": "\(peer?.protocol ?? 1)", "version": "\(PosyVersion.current)", "protocol": "\(WireProtocol.version)",
                "refused": "\(count)",
            ])
    }

    /// A neighbour speaking another protocol, said once per neighbour and protocol: one version
    /// apart is a rolling upgrade under way; more is a deployment to fix.
    func noteProtocol(_ hb: Heartbeat) {
        let spoken = hb.protocol ?? 1
        guard spoken != WireProtocol.version, !protocolsNoted.contains("\(hb.instance) \(spoken)") else { return }
        protocolsNoted.insert("\(hb.instance) \(spoken)")
        let metadata: Logger.Metadata = [
            "peer": "\(hb.instance)", "peerVersion": "\(hb.version.prefix(40))", "peerProtocol": "\(spoken)",
            "version": "\(PosyVersion.current)", "protocol": "\(WireProtocol.version)",
        ]
        if abs(spoken - WireProtocol.version) == 1 {
            logger.notice("a neighbour speaks the next or previous protocol: a rolling upgrade is under way", metadata: metadata)
        } else {
            logger.error("a neighbour is more than one protocol version apart: upgrade one version at a time", metadata: metadata)
        }
    }

    /// Events pruned from the source's outbox (past retention) cannot come back: skip them loudly.
    func markLost(_ key: StreamKey, from: Int64, to: Int64) {
        guard to >= from else { return }
        metrics.increment("events_lost", by: to - from + 1)
        logger.error(
            "events no longer in the source's outbox; skipping them",
            metadata: [
                "src": "\(key.src)", "topic": "\(key.topic)", "from": "\(from)", "to": "\(to)",
            ])
        if var c = cursors[key] {
            c.seq = to
            cursors[key] = c
            unsavedCursors.insert(key)
        }
    }
}
