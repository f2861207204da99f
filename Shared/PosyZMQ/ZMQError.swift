import CZeroMQ

/// A libzmq failure, surfaced with the errno libzmq reported and the call that failed.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The `errno` value (`zmq_errno()`) at the failing call.
    public let errno: Int32
    /// The libzmq call that failed, e.g. `zmq_bind(tcp://127.0.0.1:7100)`.
    public let operation: String

    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// Captures `zmq_errno()` for the call that just failed.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(errno: zmq_errno(), operation: operation)
    }

    /// The socket is closed (locally, or its context was terminated).
    public static func closed(_ operation: String) -> ZMQError {
        ZMQError(errno: posy_zmq_eterm(), operation: operation)
    }

    public var isWouldBlock: Bool { errno == posy_zmq_eagain() }

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(errno))) (errno \(errno))"
    }
}
