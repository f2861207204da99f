import Foundation
import PosyAccess
import PosySchema
import PosyZMQ
import Synchronization

/// A DEALER connection to one service's RPC endpoint with many requests in flight.
///
/// Every call has a deadline. Idempotent calls are retried with exponential backoff after a timeout
/// or while the service is unreachable, each try with a fresh request id so a late answer to an
/// earlier try is ignored (the Lazy Pirate pattern of the ZeroMQ Guide, without reopening the
/// socket: ZMTP heartbeats notice a dead peer and libzmq reconnects).
///
/// Creating one opens the socket and nothing else; its owner runs ``run()`` (a pool's readers are
/// children of the host's lifecycle; ``withClient(_:curve:_:)`` scopes one to a block).
public final class RPCClient: Sendable {
    public let endpoint: String
    private let socket: ZMQSocket
    /// A call waiting for its reply, and the task that sends it and enforces its deadline.
    struct Pending: Sendable {
        let continuation: CheckedContinuation<Data, any Error>
        var driver: Task<Void, Never>?
    }

    private let pending = Locked<[Data: Pending]>([:])
    private let counter = Atomic<UInt64>(0)
    private let prefix = UUID().uuidString.prefix(8)

    /// Connects to `endpoint`; `curve` (``BusSecurity/client(of:)``) when its server is a CURVE server.
    public init(endpoint: String, curve: ZMQCurve? = nil) async throws {
        self.endpoint = endpoint
        var options = ZMQSocketOptions()
        options.curve = curve
        options.immediate = true  // a send while the service is down fails at once (unavailable)
        // A reply nobody has room for is dropped, never held in libzmq: its caller times out and may
        // ask again (docs/architecture.md, "Threads").
        options.overflow = .drop
        socket = try await ZMQSocket.open(.dealer, connect: [endpoint], options: options, name: "rpc-client")
    }

    /// Hands each reply to the call waiting for it, until the socket is closed; then fails the calls
    /// still waiting with `unavailable`. Calls get replies only while this runs: the owner runs it
    /// (``RPCClientPool/run()``, or ``withClients(_:_:)`` for a scoped client).
    public func run() async {
        while let batch = await socket.inbox.next(max: 256) {
            for frames in batch {
                guard frames.count == 3 else { continue }
                guard let entry = pending.withLock({ $0.removeValue(forKey: frames[0]) }) else {
                    continue  // late reply to a request that timed out
                }
                entry.driver?.cancel()  // its deadline no longer matters
                let c = entry.continuation
                if String(decoding: frames[1], as: UTF8.self) == RPCStatus.ok {
                    c.resume(returning: frames[2])
                } else {
                    let body =
                        (try? JSON.decode(PosyError.self, from: frames[2]))
                        ?? PosyError(.internal, String(decoding: frames[2].prefix(200), as: UTF8.self))
                    c.resume(throwing: body)
                }
            }
        }
        for entry in pending.withLock({ p -> [Pending] in
            let all = Array(p.values)
            p.removeAll()
            return all
        }) {
            entry.driver?.cancel()
            entry.continuation.resume(throwing: PosyError(.unavailable, "client closed"))
        }
    }

    /// Clients to `endpoints`, one each, running while `body` uses them and closed after.
    @discardableResult public static func withClients<T: Sendable>(
        _ endpoints: [String], curve: ZMQCurve? = nil, _ body: ([RPCClient]) async throws -> T
    ) async throws -> T {
        var clients: [RPCClient] = []
        for endpoint in endpoints { clients.append(try await RPCClient(endpoint: endpoint, curve: curve)) }
        let opened = clients
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for client in opened { group.addTask { await client.run() } }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(opened))
            } catch {
                result = .failure(error)
            }
            for client in opened { await client.close() }
            try await group.waitForAll()
            return try result.get()
        }
    }

    /// A client to `endpoint`, running while `body` uses it and closed after.
    @discardableResult public static func withClient<T: Sendable>(
        _ endpoint: String, curve: ZMQCurve? = nil, _ body: (RPCClient) async throws -> T
    ) async throws -> T {
        try await withClients([endpoint], curve: curve) { try await body($0[0]) }
    }

    /// Calls `method` with a raw JSON body.
    /// - Parameters:
    ///   - timeout: deadline of each try.
    ///   - retries: further tries after a timeout or `unavailable` (use only for idempotent methods).
    public func call(
        _ method: String, body: Data = Data("{}".utf8), timeout: Duration = .seconds(2),
        retries: Int = 0, backoff: Duration = .milliseconds(100)
    ) async throws -> Data {
        var attempt = 0
        var delay = backoff
        while true {
            do {
                return try await once(method, body: body, timeout: timeout)
            } catch let e as PosyError where (e.code == .timeout || e.code == .unavailable) && attempt < retries {
                attempt += 1
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    /// Calls `method` with `request`, made for `viewer` when the method acts for someone; decodes its reply.
    public func call<Request: Encodable & Sendable, Reply: Decodable & Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer? = nil, timeout: Duration = .seconds(2),
        retries: Int = 0
    ) async throws -> Reply {
        let body = try JSON.encode(request)
        let data = try await call(method.name, body: viewer.map { $0.request(body) } ?? body, timeout: timeout, retries: retries)
        return try Self.decode(method, data)
    }

    /// A reply's body as the method's reply type (`bad_payload` when it is not).
    public static func decode<Request, Reply: Decodable>(_ method: RPC<Request, Reply>, _ data: Data) throws -> Reply {
        do {
            return try JSON.decode(Reply.self, from: data)
        } catch {
            throw PosyError(.badPayload, "reply of \(method.name) is not a valid \(Reply.self)")
        }
    }

    func once(_ method: String, body: Data, timeout: Duration) async throws -> Data {
        let n = counter.add(1, ordering: .relaxed).newValue
        let id = Data("\(prefix)-\(n)".utf8)
        let socket = self.socket
        let pending = self.pending
        let deadline = ContinuousClock.now + timeout
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<Data, any Error>) in
            pending.withLock { $0[id] = Pending(continuation: c, driver: nil) }
            let driver = Task {
                // EAGAIN means the request never left (no connection yet, ZMQ_IMMEDIATE): resending is
                // safe for any method, so wait for the connection until the deadline.
                var pause = Duration.milliseconds(5)
                while true {
                    do {
                        try await socket.send([id, Data(method.utf8), body])
                        break
                    } catch let e as ZMQError where e.isWouldBlock && ContinuousClock.now + pause < deadline {
                        try? await Task.sleep(for: pause)
                        pause = min(pause * 2, .milliseconds(100))
                    } catch {
                        let code: ErrorCode = (error as? ZMQError)?.isWouldBlock == true ? .unavailable : .internal
                        pending.withLock { $0.removeValue(forKey: id) }?.continuation
                            .resume(throwing: PosyError(code, "\(method) to \(self.endpoint): \(error)"))
                        return
                    }
                }
                // Cancelled when the reply arrives; otherwise the deadline answers the caller.
                try? await Task.sleep(until: deadline)
                if Task.isCancelled { return }
                pending.withLock { $0.removeValue(forKey: id) }?.continuation
                    .resume(throwing: PosyError(.timeout, "\(method) to \(endpoint): no reply within \(timeout)"))
            }
            let answered = pending.withLock { p -> Bool in
                guard p[id] != nil else { return true }
                p[id]!.driver = driver
                return false
            }
            if answered { driver.cancel() }
        }
    }

    public func close() async { await socket.close() }
}
