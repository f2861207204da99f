import CZeroMQ

/// The libzmq socket types Posy uses.
public enum ZMQSocketType: Sendable {
    case pub, sub, xpub, xsub, dealer, router, pair

    var raw: Int32 {
        switch self {
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pair: ZMQ_PAIR
        }
    }

    /// Types that can receive; the poll loop only reads from these.
    var receives: Bool { self != .pub }
}
