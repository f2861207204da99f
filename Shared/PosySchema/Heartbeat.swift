/// `sys.heartbeat`: published by every process each second. Doubles as service discovery.
public struct Heartbeat: Codable, Sendable, Equatable {
    public var v: Int = 1
    /// The service kind: `orders`, `messaging`, `bus`, `gateway`, `cli`, …
    public var service: String
    /// The instance name, also the envelope's `src`: `orders`, `messaging-2`.
    public var instance: String
    public var version: String
    /// The wire protocol it speaks (``WireProtocol``); absent from processes before it was said: 1.
    public var `protocol`: Int?
    /// The RPC endpoint peers connect to (empty when the process serves no RPC).
    public var rpc: String
    /// Messaging shard number; nil for other services.
    public var shard: Int?
    /// The store epoch (empty for stateless processes).
    public var epoch: String
    public var pid: Int32
    public var startedAt: String
    /// Head seq of every durable topic this source has published.
    public var heads: [String: Int64]
    /// Log position of the newest committed durable event (`pos`); nil for stateless processes.
    public var pos: Int64?
    /// What the sender accepts beyond its protocol (absent: nothing). The bus says
    /// ``splitsBatches`` (docs/protocol.md, "Batches to the bus").
    public var accepts: [String]?

    /// The bus splits batches of events a publisher packs into one message.
    public static let splitsBatches = "batch"

    public init(
        service: String, instance: String, version: String, rpc: String, shard: Int?, epoch: String,
        pid: Int32, startedAt: String, heads: [String: Int64], pos: Int64? = nil
    ) {
        self.pos = pos
        self.service = service
        self.instance = instance
        self.version = version
        self.protocol = WireProtocol.version
        self.rpc = rpc
        self.shard = shard
        self.epoch = epoch
        self.pid = pid
        self.startedAt = startedAt
        self.heads = heads
    }
}
