import CZeroMQ
import Synchronization

/// A libzmq context. Thread-safe by libzmq's contract; one per process is usual.
public final class ZMQContext: @unchecked Sendable {
    /// The process-wide context every socket uses unless told otherwise. Never terminated.
    public static let shared = ZMQContext()

    let handle: UnsafeMutableRawPointer
    private let boundAuthenticator = Mutex<ZMQAuthenticator?>(nil)

    /// The ``ZMQAuthenticator`` answering ZAP requests in this context, if one is bound (CURVE servers need one).
    public var authenticator: ZMQAuthenticator? { boundAuthenticator.withLock { $0 } }

    public var hasAuthenticator: Bool { authenticator != nil }

    func setAuthenticator(_ authenticator: ZMQAuthenticator?) { boundAuthenticator.withLock { $0 = authenticator } }

    /// Told of every failed CURVE handshake of a connecting socket of this context: the endpoint.
    public typealias HandshakeObserver = @Sendable (_ endpoint: String) -> Void

    private let failedHandshakes = Atomic<Int>(0)
    private let observer = Mutex<HandshakeObserver?>(nil)

    /// CURVE handshakes that connecting sockets of this context failed (a wrong server key, a key the
    /// server does not admit): otherwise such a socket is silent — it sends and receives nothing.
    public var handshakeFailures: Int { failedHandshakes.load(ordering: .relaxed) }

    /// Who hears of each failed handshake (a process logs it); set once, at start.
    public func observeHandshakeFailures(_ observe: @escaping HandshakeObserver) { observer.withLock { $0 = observe } }

    func handshakeFailed(endpoint: String) {
        failedHandshakes.add(1, ordering: .relaxed)
        observer.withLock { $0 }?(endpoint)
    }

    public init(ioThreads: Int32 = 1) {
        handle = zmq_ctx_new()
        zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
        zmq_ctx_set(handle, ZMQ_BLOCKY, 0)  // sockets default to linger 0: shutdown never waits on peers
    }

    /// Makes every blocking call on this context's sockets return ETERM (used to stop `zmq_proxy`).
    public func shutdown() { zmq_ctx_shutdown(handle) }

    /// Terminates the context; all its sockets must be closed (they close with linger 0, so this returns at once).
    public func terminate() { zmq_ctx_term(handle) }

    /// libzmq's version, e.g. "4.3.4".
    public static var libraryVersion: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
