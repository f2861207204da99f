/// Why one outbound attempt failed, as a shop or operator sees it in the delivery's attempts.
///
/// The text is coarse on purpose: a webhook is the shop's input, and an attempt's exact error
/// (which port refused, what a TLS or HTTP peer said) would make deliveries a scanner of whatever the
/// gateway's network reaches. The full error goes to the service's log for the operator.
enum OutboundFailure: Error, Equatable, CustomStringConvertible {
    /// The URL or host names an address outside the public internet (permanent).
    case notAllowed
    /// Not a URL Posy calls (permanent).
    case badTarget(String)
    /// A value that cannot be written into the protocol safely, e.g. an address with CR/LF (permanent).
    case unsafeValue(String)
    /// The channel is not configured, or its webhook was deleted (permanent).
    case unconfigured(String)
    /// DNS, connect or the connection failing (retried).
    case unreachable
    /// No answer in time (retried).
    case timeout
    /// The TLS handshake failed (retried).
    case tls
    /// The receiver answered with a status that is not 2xx (retried).
    case status(Int)
    /// A push service said the subscription is no more (404, 410) or will never take the message
    /// (413): permanent; the subscription is removed on 404 and 410.
    case gone(Int)

    /// A retry cannot succeed: the delivery is dead-lettered at once.
    var isPermanent: Bool {
        switch self {
        case .notAllowed, .badTarget, .unsafeValue, .unconfigured, .gone: true
        case .unreachable, .timeout, .tls, .status: false
        }
    }

    var description: String {
        switch self {
        case .notAllowed: "destination not allowed"
        case .badTarget(let why): "bad target: \(why)"
        case .unsafeValue(let why): "refused: \(why)"
        case .unconfigured(let why): why
        case .unreachable: "could not connect"
        case .timeout: "timed out"
        case .tls: "TLS handshake failed"
        case .status(let s) where (300..<400).contains(s): "HTTP \(s) (redirects are not followed)"
        case .status(let s): "HTTP \(s)"
        case .gone(let s): "HTTP \(s) (the push service will not take it)"
        }
    }
}
