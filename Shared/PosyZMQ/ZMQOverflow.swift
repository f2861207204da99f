import Foundation

/// What a socket's thread does with messages that arrive while its inbox is full.
///
/// `pause` stops reading: back-pressure reaches libzmq's high-water mark. libzmq then stops reading
/// the TCP connection too ("input stopped"), and a connection that errors in that state (a timeout,
/// a peer's restart) and reconnects can abort the process when the reader resumes
/// (`Assertion failed: _input_stopped`, zeromq/libzmq#3937; docs/architecture.md, "Threads"). The
/// suite's own sockets therefore never hold libzmq back: a subscriber `drop`s what does not fit
/// (counted; the lossless rules fetch it again); RPC sockets hand every message on at once from
/// their thread (``ZMQSocketOptions/receiver``) and have no inbox to fill.
public enum ZMQOverflow: Sendable {
    case pause
    case drop
    /// The reply to send for a message that did not fit (nil: none).
    case answer(@Sendable ([Data]) -> [Data]?)
}
