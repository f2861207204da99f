import Foundation
import Synchronization

/// The ZAP handler of a context (ZeroMQ RFC 27): every CURVE handshake on a server socket of the
/// context is put to it, and it admits only the public keys it knows, naming each connection with
/// the key's identity — the `User-Id` of every message that arrives on it (docs/protocol.md,
/// "Security"). Any other mechanism, domain or key is refused and counted.
///
/// ``bind(context:keys:)`` binds the handler's endpoint (before any CURVE server of the context
/// opens); ``run()`` answers until ``close()``. Handshakes wait while it is not running.
public final class ZMQAuthenticator: Sendable {
    /// The well-known endpoint libzmq asks (RFC 27).
    static let endpoint = "inproc://zeromq.zap.01"

    private let socket: ZMQSocket
    private let context: ZMQContext
    /// The 32-byte public key → the identity it names.
    private let known: Mutex<[[UInt8]: String]>
    private let admittedCount = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)
    /// Reads the keys again (a key issued since start); asked on an unknown key, at most once a second.
    private let reload: (@Sendable () throws -> [String: String])?
    private let lastReload = Mutex<ContinuousClock.Instant?>(nil)

    /// Binds the handler for `context`, admitting `keys` (identity → Z85 public key) and, with
    /// `reload`, keys issued later. Throws when a key is not a key or the context has a handler already.
    public static func bind(
        context: ZMQContext = .shared, keys: [String: String], reload: (@Sendable () throws -> [String: String])? = nil
    ) async throws -> ZMQAuthenticator {
        let known = try Self.table(keys)
        let socket = try await ZMQSocket.open(.router, bind: [endpoint], context: context, name: "zap")
        let authenticator = ZMQAuthenticator(socket: socket, context: context, known: known, reload: reload)
        context.setAuthenticator(authenticator)
        return authenticator
    }

    private init(
        socket: ZMQSocket, context: ZMQContext, known: [[UInt8]: String], reload: (@Sendable () throws -> [String: String])?
    ) {
        self.socket = socket
        self.context = context
        self.known = Mutex(known)
        self.reload = reload
    }

    /// The identity of a 32-byte key, reading the keys again (at most once a second) when it is unknown.
    func identity(of key: [UInt8]) -> String? {
        if let identity = known.withLock({ $0[key] }) { return identity }
        guard let reload else { return nil }
        let due = lastReload.withLock { last -> Bool in
            guard last.map({ ContinuousClock.now - $0 >= .seconds(1) }) ?? true else { return false }
            last = .now
            return true
        }
        guard due, let keys = try? reload(), let table = try? Self.table(keys) else { return nil }
        known.withLock { $0 = table }
        return table[key]
    }

    static func table(_ keys: [String: String]) throws -> [[UInt8]: String] {
        var table: [[UInt8]: String] = [:]
        for (identity, key) in keys {
            guard let bytes = ZMQCurveKeyPair.decode(key) else {
                throw ZMQError(errno: EINVAL, operation: "ZAP: the key of \(identity) is not a Z85 CURVE key")
            }
            table[bytes] = identity
        }
        return table
    }

    /// Replaces the known keys (a key added or revoked); handshakes from now on use the new table.
    public func update(keys: [String: String]) throws {
        let table = try Self.table(keys)
        known.withLock { $0 = table }
    }

    /// Handshakes admitted and refused so far.
    public var admitted: Int { admittedCount.load(ordering: .relaxed) }
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// Answers ZAP requests until the handler is closed or the task is cancelled. One caller at a
    /// time answers (a second, concurrent call returns at once): several hosts in one process may
    /// each call it.
    public func run() async {
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        defer { running.store(false, ordering: .releasing) }
        while let batch = await socket.inbox.next(max: 64) {
            socket.post(batch.compactMap(answer))
        }
    }

    /// A request is `[routing id, "", "1.0", request id, domain, address, identity, mechanism,
    /// credentials…]`; the reply `[routing id, "", "1.0", request id, status, text, user id, metadata]`.
    func answer(_ frames: [Data]) -> [Data]? {
        guard frames.count >= 8, frames[1].isEmpty else { return nil }
        let requestId = frames[3]
        func reply(_ status: String, _ text: String, user: String = "") -> [Data] {
            [frames[0], Data(), Data("1.0".utf8), requestId, Data(status.utf8), Data(text.utf8), Data(user.utf8), Data()]
        }
        guard frames[2] == Data("1.0".utf8) else {
            refusedCount.add(1, ordering: .relaxed)
            return reply("500", "unsupported ZAP version")
        }
        let domain = String(decoding: frames[4], as: UTF8.self)
        let mechanism = String(decoding: frames[7], as: UTF8.self)
        guard domain == ZMQCurve.domain, mechanism == "CURVE", frames.count == 9, frames[8].count == 32 else {
            refusedCount.add(1, ordering: .relaxed)
            return reply("400", "CURVE with a known key only")
        }
        guard let identity = identity(of: Array(frames[8])) else {
            refusedCount.add(1, ordering: .relaxed)
            return reply("400", "unknown key")
        }
        admittedCount.add(1, ordering: .relaxed)
        return reply("200", "OK", user: identity)
    }

    /// Stops answering; the context's CURVE servers then admit nobody.
    public func close() async {
        context.setAuthenticator(nil)
        await socket.close()
    }
}
