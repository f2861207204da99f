import Foundation
import Logging
import PosyAccess
import PosySchema
import PosyStore
import PosyZMQ
import ServiceLifecycle
import Synchronization

/// Everything a Posy process shares: store, outbox, publisher, RPC server with `health`, `stats` and
/// `events.replay`, heartbeats, discovery and the durable subscriber. A service builds one with
/// ``make(_:config:)``, registers its RPC methods and event handlers, then runs ``services()`` —
/// one `Service` per loop — in a `ServiceGroup` that shuts them down gracefully on SIGTERM/SIGINT.
public final class ServiceHost: Sendable {
    public let descriptor: ServiceDescriptor
    public let logger: Logger
    public let metrics: Metrics
    public let directory = Directory()
    public let pool: RPCClientPool
    /// How this process's sockets are secured; and the ZAP handler admitting the suite's keys to
    /// its CURVE servers (nil when insecure).
    public let security: BusSecurity
    let authenticator: ZMQAuthenticator?
    /// Whether this host bound the authenticator (and closes it), rather than found it bound (the bus's).
    let ownsAuthenticator: Bool
    public let store: Store?
    public let events: EventLog?
    /// `posy backup`'s agent in a process with a store.
    public let backup: BackupAgent?
    public let publisher: BusPublisher
    public let rpc: RPCServer
    public let busSub: String
    public let advertisedRPC: String
    let retentionHours: Double
    let startedAt = ContinuousClock.now
    let startedAtText = Timestamp.now()
    private let handlers = Mutex<[(SubscriptionPattern, EventSubscriber.DurableHandler)]>([])
    private let subscriberBox = Mutex<EventSubscriber?>(nil)
    private let healthChecks = Mutex<[(String, @Sendable () async -> String)]>([])
    private let extraGauges = Mutex<[(String, @Sendable () -> Int64)]>([])

    public static func make(_ descriptor: ServiceDescriptor, config: ServiceConfig) async throws -> ServiceHost {
        // Tools make hosts without ServiceMain: what they write is the account's alone too.
        PrivateFiles.restrictUmask()
        var logger = Logger(label: descriptor.instance)
        logger[metadataKey: "pid"] = "\(getpid())"
        let security = try config.security(identity: descriptor.service)
        if security.isSecure && !ServiceName.owns(descriptor.service, descriptor.instance) {
            // The bus would drop everything it publishes (docs/protocol.md, "Who may say what").
            throw PosyError(
                .invalidField, "instance '\(descriptor.instance)' is not '\(descriptor.service)' or '\(descriptor.service)-…'")
        }
        var store: Store?
        if let migrations = descriptor.migrations {
            let path = (config.dataDir as NSString).appendingPathComponent(descriptor.storeFile)
            store = try Store(
                path: path, migrations: CoreMigrations.with(migrations),
                synchronous: config.syncFull ? .full : .normal, logger: logger)
        }
        var authenticator: ZMQAuthenticator?
        var ownsAuthenticator = false
        if let keyring = security.keyring {
            // Bound before any CURVE server opens (the bus binds it before its proxy).
            if let bound = ZMQContext.shared.authenticator {
                authenticator = bound
            } else {
                let directory = keyring.directory
                authenticator = try await ZMQAuthenticator.bind(keys: keyring.known) {
                    try SuiteKeyring.publicKeys(directory: directory)
                }
                ownsAuthenticator = true
            }
            // A connection whose handshake fails is silent otherwise (a wrong or unknown key).
            let observer = logger
            ZMQContext.shared.observeHandshakeFailures { endpoint in
                let count = ZMQContext.shared.handshakeFailures
                if Metrics.worthLogging(Int64(count)) {
                    observer.warning(
                        "CURVE handshake failed: the server does not admit this process's key, or its key is not the one in the keys directory",
                        metadata: ["endpoint": "\(endpoint)", "failures": "\(count)"])
                }
            }
        } else {
            logger.warning("insecure bus: ZeroMQ without CURVE — anyone who reaches a port is the suite (benchmarks only)")
        }
        let publisher = try await BusPublisher(busPub: config.busPub, security: security)
        let metrics = Metrics()
        let rpc = try await RPCServer(
            bind: config.rpcEndpoint(service: descriptor.service, defaultPort: descriptor.defaultRPCPort), security: security,
            onSocketThread: descriptor.rpcOnSocketThread, metrics: metrics, logger: logger)
        var events: EventLog?
        if let store {
            events = try await EventLog(store: store, src: descriptor.instance, publisher: publisher, metrics: metrics)
        }
        var backup: BackupAgent?
        if let store, let events {
            backup = await BackupAgent(store: store, descriptor: descriptor, epoch: events.epoch, logger: logger)
        }
        let advertised = config.advertiseEndpoint(service: descriptor.service) ?? Self.advertisable(rpc.endpoint)
        let host = ServiceHost(
            descriptor: descriptor, logger: logger, metrics: metrics, store: store, events: events, backup: backup,
            publisher: publisher, rpc: rpc, busSub: config.busSub,
            advertisedRPC: advertised, retentionHours: config.retentionHours, security: security, authenticator: authenticator,
            ownsAuthenticator: ownsAuthenticator)
        host.registerBuiltins()
        logger.info(
            "started",
            metadata: [
                "rpc": "\(advertised)", "bus_pub": "\(config.busPub)", "bus_sub": "\(config.busSub)",
                "store": "\(store?.path ?? "none")", "epoch": "\(events?.epoch ?? "")", "version": "\(PosyVersion.current)",
            ])
        return host
    }

    private init(
        descriptor: ServiceDescriptor, logger: Logger, metrics: Metrics, store: Store?, events: EventLog?, backup: BackupAgent?,
        publisher: BusPublisher, rpc: RPCServer, busSub: String, advertisedRPC: String, retentionHours: Double,
        security: BusSecurity, authenticator: ZMQAuthenticator?, ownsAuthenticator: Bool
    ) {
        self.ownsAuthenticator = ownsAuthenticator
        self.security = security
        self.authenticator = authenticator
        self.pool = RPCClientPool(security: security)
        self.descriptor = descriptor
        self.logger = logger
        self.metrics = metrics
        self.store = store
        self.events = events
        self.backup = backup
        self.publisher = publisher
        self.rpc = rpc
        self.busSub = busSub
        self.advertisedRPC = advertisedRPC
        self.retentionHours = retentionHours
    }

    /// A wildcard bind (`tcp://0.0.0.0:7110`) is advertised as loopback; set `--advertise` across hosts.
    static func advertisable(_ endpoint: String) -> String {
        endpoint.replacingOccurrences(of: "://0.0.0.0:", with: "://127.0.0.1:")
            .replacingOccurrences(of: "://*:", with: "://127.0.0.1:")
    }

    /// Registers the handler of durable events matching `pattern` (see ``SubscriptionPattern``).
    /// It runs inside the transaction that advances the cursor: use the connection it is given.
    /// Register before ``services()``: the subscriber takes the handlers it finds when it is made.
    public func on(_ pattern: String, _ handler: @escaping EventSubscriber.DurableHandler) {
        precondition(store != nil, "durable handlers need a store")
        handlers.withLock { $0.append((SubscriptionPattern(pattern), handler)) }
    }

    /// Registers the handler of durable events of `type`; it gets the decoded payload too, and the
    /// envelope for a handler that needs its source or time.
    public func on<P>(_ type: EventType<P>, _ handler: @escaping @Sendable (SQLiteConnection, Envelope, P) throws -> Void) {
        on(type.topic) { db, envelope in try handler(db, envelope, try envelope.decode(type)) }
    }

    /// Registers the handler of durable events of `type`, given their decoded payload.
    public func on<P>(_ type: EventType<P>, _ handler: @escaping @Sendable (SQLiteConnection, P) throws -> Void) {
        on(type.topic) { db, envelope in try handler(db, try envelope.decode(type)) }
    }

    func registerBuiltins() {
        rpc.register(RPCMethod.health) { [self] _ in await health() }
        rpc.register(RPCMethod.stats) { [self] _ in statsReport() }
        if let events, let store {
            // Only what the caller's identity may read (docs/protocol.md, "Who may read what").
            let security = security
            rpc.register(
                RPCMethod.eventsReplay,
                encodedForPeer: { request, peer in
                    try await events.replay(request, store: store, grant: security.readGrant(of: peer))
                })
            rpc.register(
                RPCMethod.eventsSince,
                encodedForPeer: { request, peer in
                    try await events.since(request, store: store, grant: security.readGrant(of: peer))
                })
        }
        if let backup {
            rpc.register(BackupRPC.hold) { r, _ in try await backup.hold(r) }
            rpc.register(BackupRPC.release) { r, _ in try backup.release(r) }
            rpc.register(BackupRPC.prepare) { r, _ in try await backup.prepare(r) }
            rpc.register(BackupRPC.read, encoded: { (r: BackupRPC.ReadRequest, _: Viewer) in try backup.read(r) })
            rpc.register(BackupRPC.end) { r, _ in try await backup.end(r) }
        }
        if descriptor.answersProbes, let events {
            let instance = descriptor.instance
            on(SystemEvents.probe) { db, envelope, probe in
                try db.run(
                    "INSERT INTO probes(id, src, applied_count, applied_at) VALUES (?, ?, 1, ?) ON CONFLICT(id) DO UPDATE SET applied_count = applied_count + 1",
                    probe.id, envelope.src, Timestamp.now())
                let count = try db.queryOne("SELECT applied_count FROM probes WHERE id = ?", probe.id)?.int(0) ?? 0
                try events.emit(
                    db, SystemEvents.probeAck,
                    ProbeAck(probeId: probe.id, instance: instance, appliedCount: Int(count), appliedAt: Timestamp.now()),
                    trace: envelope.trace)
            }
        }
    }

    /// Adds a gauge to `stats`, read each time stats are asked for.
    public func addGauge(_ name: String, _ gauge: @escaping @Sendable () -> Int64) {
        extraGauges.withLock { $0.append((name, gauge)) }
    }

    /// Adds a named check to `health` (before ``services()``): it returns `ok` or what is wrong.
    public func addHealthCheck(_ name: String, _ check: @escaping @Sendable () async -> String) {
        healthChecks.withLock { $0.append((name, check)) }
    }

    /// `health`: the store answers and its disk has room to write, our own heartbeat came back
    /// through the bus recently, and every added check passes.
    public func health() async -> HealthReport {
        var checks: [String: String] = [:]
        if let store {
            do {
                _ = try await store.read { db in try db.queryOne("SELECT 1") }
                checks["store"] = "ok"
            } catch {
                checks["store"] = "\(error)"
            }
            checks["disk"] = DiskSpace.check((store.path as NSString).deletingLastPathComponent)
        }
        for (name, check) in healthChecks.withLock({ $0 }) { checks[name] = await check() }
        if let me = directory.peer(descriptor.instance), me.age < 5 {
            checks["bus"] = "ok"
        } else {
            checks["bus"] = "own heartbeat not seen through the bus in the last 5 s"
        }
        let ok = checks.values.allSatisfy { $0 == "ok" }
        return HealthReport(
            service: descriptor.service, instance: descriptor.instance, version: PosyVersion.current,
            status: ok ? "ok" : "degraded", uptimeSeconds: (ContinuousClock.now - startedAt).seconds,
            epoch: events?.epoch ?? "", pid: getpid(), checks: checks)
    }

    /// `stats`: the metrics plus store and publisher figures.
    public func statsReport() -> StatsReport {
        var counters = store?.statistics ?? [:]
        counters["bus_dropped_sends"] = Int64(publisher.droppedSends)
        counters["bus_batches_sent"] = Int64(publisher.batchesSent)
        counters["bus_events_in_batches"] = Int64(publisher.eventsSentInBatches)
        counters["rpc_refused_busy"] = Int64(rpc.refusedBusy)
        var gauges: [String: Int64] = ["outbox_head_total": events?.currentHeads.values.reduce(0, +) ?? 0]
        gauges["bus_batching"] = publisher.busSplitsBatches ? 1 : 0
        if let store {
            gauges["store_largest_group"] = Int64(store.largestGroup)
            gauges["store_bytes"] = BackupAgent.size(store.path) + BackupAgent.size(store.path + "-wal")
        }
        if let backup {
            gauges["backup_age_seconds"] = backup.ageSeconds
            gauges["backup_every_seconds"] = backup.every.load(ordering: .relaxed)
        }
        gauges["open_files_limit"] = Int64(clamping: FileLimits.current().soft)
        if let open = FileLimits.openCount() { gauges["open_files"] = Int64(open) }
        if let rss = ResidentMemory.bytes() { gauges["rss_bytes"] = Int64(rss) }
        if let pss = ResidentMemory.proportionalBytes() { gauges["pss_bytes"] = Int64(pss) }
        for (name, gauge) in extraGauges.withLock({ $0 }) { gauges[name] = gauge() }
        // How far behind each source this process is (docs/operations.md, "Checking it").
        for (source, lag) in subscriber?.lagBySource.withLock({ $0 }) ?? [:] { gauges["lag.\(source)"] = lag }
        if let authenticator {
            counters["zap_admitted"] = Int64(authenticator.admitted)
            counters["zap_refused"] = Int64(authenticator.refused)
            counters["zmq_handshake_failures"] = Int64(ZMQContext.shared.handshakeFailures)
        }
        return metrics.snapshot(service: descriptor.service, instance: descriptor.instance, counters: counters, gauges: gauges)
    }

    func heartbeat() -> Heartbeat {
        var hb = Heartbeat(
            service: descriptor.service, instance: descriptor.instance, version: PosyVersion.current,
            rpc: advertisedRPC, shard: descriptor.shard, epoch: events?.epoch ?? "", pid: getpid(),
            startedAt: startedAtText, heads: events?.currentHeads ?? [:], pos: events?.currentPos)
        if !descriptor.accepts.isEmpty { hb.accepts = descriptor.accepts }
        return hb
    }

    /// Packs events into batches while every bus heard from in the last 3 s says it splits them, and
    /// stops as soon as one does not (an older bus would drop a batch; docs/protocol.md, "Batches to
    /// the bus").
    func refreshBatching() {
        if let fixed = descriptor.batchesToBus {
            publisher.busSplitsBatches = fixed
            return
        }
        publisher.busSplitsBatches = Self.busesSplitBatches(directory.alive(within: 3).map(\.heartbeat))
    }

    /// Whether the buses among `heard` all split batches: false when none was heard, or when one
    /// does not say so (a bus older than batches).
    static func busesSplitBatches(_ heard: [Heartbeat]) -> Bool {
        let buses = heard.filter { $0.service == ServiceName.bus }
        return !buses.isEmpty && buses.allSatisfy { $0.accepts?.contains(Heartbeat.splitsBatches) == true }
    }

    /// The durable subscriber, once ``services()`` made it.
    public var subscriber: EventSubscriber? { subscriberBox.withLock { $0 } }

    /// Makes the durable subscriber from the handlers registered so far (call after registering).
    func makeSubscriber() async throws -> EventSubscriber {
        let durable = handlers.withLock { $0 }
        // The bus would make no subscription outside the identity's grant, and the process would
        // wait for events that never come: say so at start instead (docs/protocol.md, "Who may read what").
        let grant = security.readGrant(of: descriptor.service)
        if let outside = ([Topic.heartbeat] + durable.map(\.0.text)).first(where: { !EventReaders.covers(grant, topic: $0) }) {
            throw PosyError(
                .callerNotPermitted,
                "\(descriptor.service) may not read \(outside); grant it with `posy keys create \(descriptor.service) --read \(outside)`")
        }
        let subscriber = try await EventSubscriber(
            busSub: busSub, security: security, store: store, durable: durable.map(\.0.text), startAt: descriptor.startAt,
            directory: directory,
            pool: pool, metrics: metrics, logger: logger, receiveHighWaterMark: descriptor.receiveHighWaterMark,
            inboxCapacity: descriptor.inboxCapacity,
            handler: { db, topic, e in
                guard let h = durable.first(where: { $0.0.matches(topic) })?.1 else { return }
                try h(db, e)
            })
        subscriberBox.withLock { $0 = subscriber }
        return subscriber
    }

    func publishHeartbeat() {
        do {
            try publisher.publishEphemeral(
                topic: Topic.heartbeat, type: Topic.heartbeat, src: descriptor.instance,
                payload: heartbeat())
        } catch {
            logger.error("heartbeat not published", metadata: ["error": "\(error)"])
        }
    }
}
