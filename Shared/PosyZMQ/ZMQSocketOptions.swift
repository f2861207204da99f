/// Options applied to a socket before it binds or connects.
public struct ZMQSocketOptions: Sendable {
    /// `ZMQ_LINGER` in ms. 0: pending messages are dropped on close, so shutdown never hangs on a gone peer.
    public var linger: Int32 = 0
    public var sendHighWaterMark: Int32 = 100_000
    public var receiveHighWaterMark: Int32 = 100_000
    /// ZMTP heartbeats on TCP connections (ms); a dead peer is noticed within `heartbeatTimeout`.
    public var heartbeatInterval: Int32 = 1_000
    public var heartbeatTimeout: Int32 = 3_000
    public var heartbeatTTL: Int32 = 6_000
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
    /// CURVE security; nil: none (the NULL mechanism, for `--insecure-bus` and inproc sockets).
    public var curve: ZMQCurve?
    /// Prepend to every received message one frame naming the peer that sent it: the `User-Id` its
    /// connection was given by the ZAP handler (``ZMQAuthenticator``), empty on a connection without one.
    /// A server that authorises per message reads the caller from there, never from the message.
    public var peerIdentity: Bool = false

    public init() {}
}
