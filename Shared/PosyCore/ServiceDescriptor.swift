import PosyStore

/// What makes one executable what it is: its name, ports, store and subscriptions.
public struct ServiceDescriptor: Sendable {
    /// Service kind: `orders`, `messaging`, `bus`, `gateway`, `cli`.
    public var service: String
    /// Instance name, the `src` of its events: `orders`, `messaging-2`.
    public var instance: String
    public var shard: Int?
    /// Default RPC port on 127.0.0.1 (docs/architecture.md, "Processes"); 0 picks a free one.
    public var defaultRPCPort: Int
    /// The store's own migrations (versions ≥ 2), or nil for a stateless process (no store, no outbox).
    public var migrations: [Migration]?
    /// File name of the store inside the data directory.
    public var storeFile: String
    /// Whether this process applies `sys.probe` and answers with `sys.probe.ack` (every service with a store).
    public var answersProbes: Bool
    /// Where cursors of sources it has never seen start.
    public var startAt: EventSubscriber.StartPosition
    /// SUB socket high-water mark and in-process inbox of the subscriber (messages).
    public var receiveHighWaterMark: Int32 = 100_000
    public var inboxCapacity: Int = 10_000
    /// Whether RPC handlers run on the RPC socket's thread rather than the shared pool (``RPCServer``).
    public var rpcOnSocketThread = false
    /// What its heartbeats say it accepts beyond its protocol (``Heartbeat/accepts``).
    public var accepts: [String] = []
    /// Whether events go to the bus in batches: nil while every bus heard says it splits them (its
    /// heartbeats), true or false always — a benchmark that runs its own forwarder knows.
    public var batchesToBus: Bool?

    public init(
        service: String, instance: String? = nil, shard: Int? = nil, defaultRPCPort: Int,
        migrations: [Migration]?, storeFile: String? = nil, answersProbes: Bool? = nil,
        startAt: EventSubscriber.StartPosition = .beginning
    ) {
        self.service = service
        self.instance = instance ?? service
        self.shard = shard
        self.defaultRPCPort = defaultRPCPort
        self.migrations = migrations
        self.storeFile = storeFile ?? "\(instance ?? service).db"
        self.answersProbes = answersProbes ?? (migrations != nil)
        self.startAt = startAt
    }
}
