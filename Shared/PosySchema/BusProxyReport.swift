/// `bus.proxy` reply: the forwarder's message and byte counters on each side, in `zmq_proxy`'s terms
/// (frontend: publishers; backend: subscribers), and the messages it refused to forward (a publisher
/// speaking for another identity) and the subscriptions it refused (to pushes meant for people;
/// docs/protocol.md, "Who may say what").
public struct BusProxyReport: Codable, Sendable, Equatable {
    public var frontendMessagesIn, frontendBytesIn, frontendMessagesOut, frontendBytesOut: UInt64
    public var backendMessagesIn, backendBytesIn, backendMessagesOut, backendBytesOut: UInt64
    public var frontendMessagesRefused: UInt64
    public var backendSubscriptionsRefused: UInt64

    public init(
        frontendMessagesIn: UInt64, frontendBytesIn: UInt64, frontendMessagesOut: UInt64, frontendBytesOut: UInt64,
        backendMessagesIn: UInt64, backendBytesIn: UInt64, backendMessagesOut: UInt64, backendBytesOut: UInt64,
        frontendMessagesRefused: UInt64 = 0, backendSubscriptionsRefused: UInt64 = 0
    ) {
        self.backendSubscriptionsRefused = backendSubscriptionsRefused
        self.frontendMessagesRefused = frontendMessagesRefused
        self.frontendMessagesIn = frontendMessagesIn
        self.frontendBytesIn = frontendBytesIn
        self.frontendMessagesOut = frontendMessagesOut
        self.frontendBytesOut = frontendBytesOut
        self.backendMessagesIn = backendMessagesIn
        self.backendBytesIn = backendBytesIn
        self.backendMessagesOut = backendMessagesOut
        self.backendBytesOut = backendBytesOut
    }
}
