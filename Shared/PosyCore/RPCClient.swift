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
/// Replies reach their calls from the socket's thread; no task reads for a client. Its owner closes
/// it (a host's ``RPCClientPool`` at shutdown; ``withClient(_:curve:_:)`` scopes one to a block).
public final class RPCClient: Sendable {
    public let endpoint: String
    private let socket: ZMQSocket
    /// A call waiting for its reply, and when it stops waiting.
    struct Pending: Sendable {
        let continuation: CheckedContinuation<Data, any Error>
        let deadline: ContinuousClock.Instant
        let method: String
    }

    /// The calls waiting, and the one task that answers those whose deadline passed: it exists
    /// only while calls wait, and sleeps until the earliest deadline (docs/architecture.md, "Threads").
    struct Waiting: Sendable {
        var calls: [Data: Pending] = [:]
        var sweeper: Task<Void, Never>?
        var sweepUntil: ContinuousClock.Instant?
    }

    private let pending: Locked<Waiting>
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
        // A request leaves from its caller's thread, waking no other (docs/architecture.md, "Threads").
        options.callersSend = true
        // Each reply resumes its caller from the socket's thread: no reader task wakes to pass it on.
        let pending = Locked(Waiting())
        options.receiver = { frames in
            Self.answer(frames, in: pending)
            return nil
        }
        self.pending = pending
        socket = try await ZMQSocket.open(.dealer, connect: [endpoint], options: options, name: "rpc-client")
    }

    /// Resumes the call a reply `[requestId][status][body]` answers; a late reply to a call that
    /// timed out, or anything else, is dropped.
    static func answer(_ frames: [Data], in pending: Locked<Waiting>) {
        guard frames.count == 3, let entry = pending.withLock({ $0.calls.removeValue(forKey: frames[0]) }) else { return }
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

    /// Clients to `endpoints`, one each, open while `body` uses them and closed after.
    @discardableResult public static func withClients<T: Sendable>(
        _ endpoints: [String], curve: ZMQCurve? = nil, _ body: ([RPCClient]) async throws -> T
    ) async throws -> T {
        var clients: [RPCClient] = []
        for endpoint in endpoints { clients.append(try await RPCClient(endpoint: endpoint, curve: curve)) }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(clients))
        } catch {
            result = .failure(error)
        }
        for client in clients { await client.close() }
        return try result.get()
    }

    /// A client to `endpoint`, open while `body` uses it and closed after.
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

    /// One try: the request is queued on the socket (a task is woken only for the reply, or when it
    /// could not leave), and the sweeper answers it `timeout` should no reply come.
    func once(_ method: String, body: Data, timeout: Duration) async throws -> Data {
        let n = counter.add(1, ordering: .relaxed).newValue
        let id = Data("\(prefix)-\(n)".utf8)
        let deadline = ContinuousClock.now + timeout
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<Data, any Error>) in
            let startSweeper = pending.withLock { p -> Bool in
                p.calls[id] = Pending(continuation: c, deadline: deadline, method: method)
                guard let until = p.sweepUntil, until <= deadline else {
                    p.sweeper?.cancel()
                    p.sweepUntil = deadline
                    return true
                }
                return false
            }
            if startSweeper { sweep(until: deadline) }
            send(id, method, body, deadline: deadline, pause: .milliseconds(5))
        }
    }

    /// Queues a request. EAGAIN means it never left (no connection yet, `ZMQ_IMMEDIATE`): resending
    /// is safe for any method, so it is tried again until its deadline.
    private func send(_ id: Data, _ method: String, _ body: Data, deadline: ContinuousClock.Instant, pause: Duration) {
        socket.post([id, Data(method.utf8), body]) { [pending, endpoint] error in
            guard let error else { return }
            if error.isWouldBlock && ContinuousClock.now + pause < deadline {
                Task {
                    try? await Task.sleep(for: pause)
                    guard pending.withLock({ $0.calls[id] != nil }) else { return }
                    self.send(id, method, body, deadline: deadline, pause: min(pause * 2, .milliseconds(100)))
                }
                return
            }
            let code: ErrorCode = error.isWouldBlock ? .unavailable : .internal
            pending.withLock { $0.calls.removeValue(forKey: id) }?.continuation
                .resume(throwing: PosyError(code, "\(method) to \(endpoint): \(error)"))
        }
    }

    /// Answers the calls whose deadline has passed, sleeping until the earliest one left; ends when
    /// none waits. A call with an earlier deadline than the one slept for starts a new sweeper.
    private func sweep(until first: ContinuousClock.Instant) {
        let task = Task { [pending, endpoint] in
            var until = first
            while true {
                try? await Task.sleep(until: until)
                if Task.isCancelled { return }
                let now = ContinuousClock.now
                let (expired, next) = pending.withLock { p -> ([Pending], ContinuousClock.Instant?) in
                    let due = p.calls.filter { $0.value.deadline <= now }
                    for key in due.keys { p.calls.removeValue(forKey: key) }
                    let next = p.calls.values.map(\.deadline).min()
                    p.sweepUntil = next
                    if next == nil { p.sweeper = nil }
                    return (Array(due.values), next)
                }
                for call in expired {
                    call.continuation.resume(
                        throwing: PosyError(.timeout, "\(call.method) to \(endpoint): no reply within its deadline"))
                }
                guard let next else { return }
                until = next
            }
        }
        pending.withLock { p in
            // Only the newest sweeper is kept (an older one was cancelled when this one was wanted).
            if p.sweepUntil == first, !task.isCancelled { p.sweeper = task }
        }
    }

    /// Closes the socket; the calls still waiting fail with `unavailable`.
    public func close() async {
        await socket.close()
        for entry in pending.withLock({ p -> [Pending] in
            let all = Array(p.calls.values)
            p.calls.removeAll()
            return all
        }) {
            entry.continuation.resume(throwing: PosyError(.unavailable, "client closed"))
        }
    }
}
