import Foundation

/// Options applied to a socket before it binds or connects.
public struct ZMQSocketOptions: Sendable {
    /// `ZMQ_LINGER` in ms. 0: pending messages are dropped on close, so shutdown never hangs on a gone peer.
    public var linger: Int32 = 0
    public var sendHighWaterMark: Int32 = 100_000
    public var receiveHighWaterMark: Int32 = 100_000
    /// ZMTP heartbeats on TCP connections (ms), off (0): a heartbeat times out a connection whose
    /// input is stopped by back-pressure — it cannot read the pong — and libzmq may then abort when
    /// reading resumes (see ``ZMQOverflow``). Dead peers are found by TCP keepalive instead, which
    /// the peer's kernel answers however full its buffers are, and the suite's own heartbeats.
    public var heartbeatInterval: Int32 = 0
    public var heartbeatTimeout: Int32 = 0
    public var heartbeatTTL: Int32 = 0
    /// TCP keepalive: idle seconds before the first probe, seconds between probes, probes lost
    /// before the connection is dropped (a host gone without a word: about 25 s).
    public var keepaliveIdle: Int32 = 10
    public var keepaliveInterval: Int32 = 5
    public var keepaliveCount: Int32 = 3
    public var reconnectInterval: Int32 = 100
    public var reconnectIntervalMax: Int32 = 2_000
    /// Largest message libzmq accepts (`ZMQ_MAXMSGSIZE`, bytes); a larger one drops the connection. -1: no limit.
    public var maxMessageSize: Int64 = 64 << 20
    /// `ZMQ_IMMEDIATE`: queue only to completed connections, so a send to a service that is down fails at once.
    public var immediate: Bool = false
    /// `ZMQ_ROUTER_MANDATORY` for ROUTER sockets.
    public var routerMandatory: Bool = false
    /// SUB/XSUB prefixes subscribed at open.
    public var subscriptions: [String] = []
    /// Messages buffered between the socket thread and the consumer. When full, the socket thread stops
    /// reading and libzmq's own high-water mark takes over (a PUB peer then drops, as ZeroMQ does).
    public var inboxCapacity: Int = 10_000
    /// What the socket's thread does with messages while the inbox is full (``ZMQOverflow``).
    public var overflow: ZMQOverflow = .pause
    /// CURVE security; nil: none (the NULL mechanism, for `--insecure-bus` and inproc sockets).
    public var curve: ZMQCurve?
    /// Prepend to every received message one frame naming the peer that sent it: the `User-Id` its
    /// connection was given by the ZAP handler (``ZMQAuthenticator``), empty on a connection without one.
    /// A server that authorises per message reads the caller from there, never from the message.
    public var peerIdentity: Bool = false
    /// Hands every received message to this closure on the socket's thread instead of to the inbox,
    /// so that no task wakes only to pass it on (an RPC reply resumes its caller, a request starts
    /// its handler). It must return at once; what it returns is sent back at once (nil: nothing).
    /// The inbox then receives nothing and finishes when the socket closes.
    public var receiver: (@Sendable ([Data]) -> [Data]?)?
    /// Shown every received message on the socket's thread as it is read, before the inbox takes
    /// (or drops) it: for what must not wait behind a busy consumer — a peer's heartbeat is its
    /// liveness. It must return at once.
    public var peek: (@Sendable ([Data]) -> Void)?
    /// Callers send on the socket from their own thread, under its lock, as on a socket that only
    /// sends, while its thread keeps reading: a request leaves without waking that thread. Its thread
    /// then polls the socket's `ZMQ_FD`, and a caller whose send took in what that descriptor was
    /// to signal (a reply's arrival) wakes it instead (docs/architecture.md, "Threads").
    public var callersSend = false

    public init() {}
}
