import PosySchema
import PosyZMQ

/// How a process secures its ZeroMQ connections (docs/protocol.md, "Security"): with its keyring,
/// every socket it binds is a CURVE server admitting the suite's keys, and every connection it
/// makes proves itself and checks the server's key; `insecure` (`--insecure-bus`, benchmarks
/// only) uses none.
public struct BusSecurity: Sendable {
    public let keyring: SuiteKeyring?
    /// Public keys read since start (an identity issued later: a new host, a tool).
    private let issuedLater = Locked<[String: String]>([:])

    public static let insecure = BusSecurity(keyring: nil)

    public init(keyring: SuiteKeyring?) { self.keyring = keyring }

    public var isSecure: Bool { keyring != nil }

    /// The role of a socket this process binds.
    public var server: ZMQCurve? { keyring.map { .server($0.own) } }

    /// The role of a connection to a socket bound by `identity` (`unavailable` when its key is not known).
    public func client(of identity: String) throws -> ZMQCurve? {
        guard let keyring else { return nil }
        if let key = keyring.known[identity] ?? issuedLater.withLock({ $0[identity] }) {
            return .client(keyring.own, serverKey: key)
        }
        guard let key = try? SuiteKeyring.publicKeys(directory: keyring.directory)[identity] else {
            throw PosyError(.unavailable, "no public key for \(identity) in \(keyring.directory)")
        }
        issuedLater.withLock { $0[identity] = key }
        return .client(keyring.own, serverKey: key)
    }
}
