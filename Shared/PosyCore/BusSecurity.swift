import PosyAccess
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
    /// When the key directory was last read for an identity not known yet.
    private let lastReload = Locked<ContinuousClock.Instant?>(nil)
    /// Grants the operator gave, as read from the key directory, and when.
    private let grants = Locked<[String: (read: ContinuousClock.Instant, prefixes: [String])]>([:])

    public static let insecure = BusSecurity(keyring: nil)

    public init(keyring: SuiteKeyring?) { self.keyring = keyring }

    public var isSecure: Bool { keyring != nil }

    /// The role of a socket this process binds.
    public var server: ZMQCurve? { keyring.map { .server($0.own) } }

    /// Whether the suite issued a key to `identity`. True for every identity when insecure: nothing
    /// can be checked.
    public func knows(_ identity: String) -> Bool {
        guard keyring != nil else { return true }
        return publicKey(of: identity) != nil
    }

    /// What `identity` may read (docs/protocol.md, "Who may read what"): the suite's table for its
    /// own identities, else its `<identity>.read`, read again at most once a second. Everything when
    /// insecure: nothing is proven, so nothing can be checked.
    public func readGrant(of identity: String) -> [String] {
        guard let keyring else { return [""] }
        if let own = EventReaders.suite[identity] { return own }
        let now = ContinuousClock.now
        if let cached = grants.withLock({ $0[identity] }), now - cached.read < .seconds(1) { return cached.prefixes }
        let prefixes = EventReaders.grant(
            of: identity, granted: SuiteKeyring.granted(directory: keyring.directory, identity: identity))
        grants.withLock { $0[identity] = (now, prefixes) }
        return prefixes
    }

    /// The role of a connection to a socket bound by `identity` (`unavailable` when its key is not known).
    public func client(of identity: String) throws -> ZMQCurve? {
        guard let keyring else { return nil }
        guard let key = publicKey(of: identity) else {
            throw PosyError(.unavailable, "no public key for \(identity) in \(keyring.directory)")
        }
        return .client(keyring.own, serverKey: key)
    }

    /// `identity`'s public key: from the keyring, or — for a key issued since start — from the key
    /// directory, read again at most once a second (an unknown name must not make every event a read).
    func publicKey(of identity: String) -> String? {
        guard let keyring else { return nil }
        if let key = keyring.known[identity] ?? issuedLater.withLock({ $0[identity] }) { return key }
        let now = ContinuousClock.now
        let due = lastReload.withLock { last in
            guard last.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
            last = now
            return true
        }
        guard due, let keys = try? SuiteKeyring.publicKeys(directory: keyring.directory) else { return nil }
        issuedLater.withLock { $0.merge(keys) { _, new in new } }
        return keys[identity]
    }
}
