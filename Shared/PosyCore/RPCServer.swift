import Foundation
import Logging
import PosyAccess
import PosySchema
import PosyStore
import PosyZMQ
import Synchronization

/// The RPC side of a service: a ROUTER socket answering `[requestId][method][json]` with
/// `[requestId][status][json]` (docs/protocol.md, "RPC"). Requests run concurrently; malformed ones get an error
/// reply when they carry enough frames to address one, and are counted and logged otherwise.
public final class RPCServer: Sendable {
    public typealias Handler = @Sendable (RPCRequest) async throws -> Data

    private let socket: ZMQSocket
    /// Method → handler, who may call it, and whether its body is raw bytes (no `caller` to read).
    private let handlers = Mutex<[String: (handler: Handler, grant: RPCGrant, raw: Bool)]>([:])
    private let metrics: Metrics
    private let logger: Logger
    /// Requests being handled; once ``run()`` ends (shutdown) no new one starts, and it waits here
    /// for these to end.
    private struct InFlight {
        var count = 0
        var stopping = false
        var drained: CheckedContinuation<Void, Never>?
    }
    private let inFlight = Mutex(InFlight())
    private let refusedAtOnce = Atomic<Int>(0)
    /// Requests handled at once at most; one more is answered `unavailable` at once.
    public static let maxInFlight = 10_000
    /// Whether requests carry their peer's proven identity and are checked against ``RPCAccess``.
    private let authorises: Bool
    /// The endpoint actually bound (a `*` port resolved).
    public var endpoint: String { socket.boundEndpoints.first ?? "" }

    public static let maxRequestIdBytes = 255

    /// Binds `bind`; with a secure `security` a CURVE server, which needs the process's
    /// authenticator bound first (``ServiceHost/make(_:config:)`` does it). With `onSocketThread`
    /// handlers run on the socket's own thread (``ZMQSocket`` as their task executor): for a service
    /// whose handlers do little besides awaiting their store, it spares the hops to and from the
    /// shared pool (docs/architecture.md, "Threads").
    public init(
        bind: String, security: BusSecurity = .insecure, onSocketThread: Bool = false, metrics: Metrics, logger: Logger
    ) async throws {
        var options = ZMQSocketOptions()
        options.curve = security.server
        // Under CURVE every request arrives with the identity its connection proved (docs/protocol.md,
        // "Who may call what"); without it there is nothing to check.
        options.peerIdentity = options.curve != nil
        authorises = options.peerIdentity
        options.maxMessageSize = 64 << 20
        // A reply leaves from the thread its handler finished on, waking none of the socket's
        // (docs/architecture.md, "Threads").
        options.callersSend = true
        self.metrics = metrics
        self.logger = logger
        // Each request starts its handler's task from the socket's thread (no task wakes only to
        // start another). Beyond `maxInFlight` it is answered busy there and then, never held in
        // libzmq (docs/architecture.md, "Threads"): the client hears `unavailable` and may try again.
        let box = WeakServerBox()
        let busy = Self.busy(hasPeerFrame: options.peerIdentity)
        options.receiver = { frames in
            // Before the server is there (the moments while it opens), a request hears busy.
            guard let server = box.server else { return busy(frames) }
            guard
                server.inFlight.withLock({ f -> Bool in
                    guard f.count < Self.maxInFlight, !f.stopping else { return false }
                    f.count += 1
                    return true
                })
            else {
                server.refusedAtOnce.add(1, ordering: .relaxed)
                return busy(frames)
            }
            Task(executorPreference: onSocketThread ? server.socket : nil) {
                await server.handle(frames)
                server.finished()
            }
            return nil
        }
        socket = try await ZMQSocket.open(.router, bind: [bind], options: options, name: "rpc-server")
        box.server = self
    }

    /// One request ended; the last one after ``run()`` stopped taking new ones lets it return.
    private func finished() {
        let drained = inFlight.withLock { f -> CheckedContinuation<Void, Never>? in
            f.count -= 1
            guard f.count == 0, let c = f.drained else { return nil }
            f.drained = nil
            return c
        }
        drained?.resume()
    }

    /// Registers a handler by method name, open to `grant`: the request body in, the reply body
    /// out. For tests and tools; services register against their ``RPC`` values, whose grant goes with them.
    public func register(name method: String, grant: RPCGrant = .everyone, _ handler: @escaping Handler) {
        handlers.withLock { $0[method] = (handler, grant, false) }
    }

    /// Registers `method` for a handler that needs nobody behind the call: the body decodes as its
    /// request, the result encodes as its reply.
    public func register<Request: Decodable & Sendable, Reply: Encodable & Sendable>(
        _ method: RPC<Request, Reply>, _ handler: @escaping @Sendable (Request) async throws -> Reply
    ) {
        register(name: method.name, grant: method.grant) { request in try JSON.encode(try await handler(request.decode(Request.self))) }
    }

    /// Registers `method` for a handler that acts for someone: it gets the request and the
    /// ``Viewer`` the call is made for, read from its `caller` and already judged against the grant
    /// and the connection's proven identity (docs/protocol.md, "Who may call what"). A call that
    /// names nobody is refused `unauthorized` before the handler runs.
    public func register<Request: Decodable & Sendable, Reply: Encodable & Sendable>(
        _ method: RPC<Request, Reply>, _ handler: @escaping @Sendable (Request, Viewer) async throws -> Reply
    ) {
        register(name: method.name, grant: method.grant) { request in
            let viewer = try request.viewer()
            return try JSON.encode(try await handler(request.decode(Request.self), viewer))
        }
    }

    /// Registers `method` with a handler that returns its reply already encoded (JSON bytes it has at
    /// hand, or the raw bytes of a ``RawBytes`` reply).
    public func register<Request: Decodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, encoded handler: @escaping @Sendable (Request) async throws -> Data
    ) {
        register(name: method.name, grant: method.grant) { request in try await handler(request.decode(Request.self)) }
    }

    /// Registers `method` for a handler that acts for someone (its ``Viewer``) and returns its reply
    /// already encoded.
    public func register<Request: Decodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, encoded handler: @escaping @Sendable (Request, Viewer) async throws -> Data
    ) {
        register(name: method.name, grant: method.grant) { request in
            let viewer = try request.viewer()
            return try await handler(request.decode(Request.self), viewer)
        }
    }

    /// Registers `method` with a handler that also gets the identity the caller's connection proved
    /// (empty without CURVE), for a method whose answer depends on which process asks, and an encoded reply.
    public func register<Request: Decodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, encodedForPeer handler: @escaping @Sendable (Request, String) async throws -> Data
    ) {
        register(name: method.name, grant: method.grant) { request in try await handler(request.decode(Request.self), request.peer) }
    }

    /// Registers a method whose request is not JSON: the handler reads the raw body.
    public func register<Reply: Sendable>(_ method: RPC<RawBytes, Reply>, raw handler: @escaping Handler) {
        handlers.withLock { $0[method.name] = (handler, method.grant, true) }
    }

    /// Serves until the socket closes or this task is cancelled (shutdown); then answers new
    /// requests `unavailable` and waits for those being handled. Each request runs in its own task,
    /// started from the socket's thread.
    public func run() async {
        while await socket.inbox.next(max: 256) != nil {}
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = inFlight.withLock { f -> Bool in
                f.stopping = true
                if f.count == 0 { return true }
                f.drained = c
                return false
            }
            if now { c.resume() }
        }
    }

    public func close() async { await socket.close() }

    /// The reply to a request that arrived while the server was handling ``maxInFlight`` others:
    /// `[routing id][request id]["error"][unavailable]`, built on the socket's thread from the frames alone.
    static func busy(hasPeerFrame: Bool) -> @Sendable ([Data]) -> [Data]? {
        let body = JSON.encodeOrEmpty(PosyError(.unavailable, "the service is busy; try again shortly"))
        return { frames in
            let f = frames.dropFirst(hasPeerFrame ? 1 : 0)
            guard f.count >= 2 else { return nil }
            return [f[f.startIndex], f[f.startIndex + 1].prefix(maxRequestIdBytes), Data(RPCStatus.error.utf8), body]
        }
    }

    /// Requests answered `unavailable` at once: more were being handled than ``maxInFlight``.
    public var refusedBusy: Int { socket.overflowed + refusedAtOnce.load(ordering: .relaxed) }

    /// Why `peer` may not make this request (``RPCAccess``), judged on the method's grant, the
    /// identity its connection proved and the `caller` the body names.
    func refusal(method: String, grant: RPCGrant, peer: String, caller: RPCCaller?) -> PosyError? {
        // Under CURVE every connection is named by the ZAP handler; an unnamed one proves nothing.
        guard !peer.isEmpty else { return PosyError(.callerNotPermitted, "the connection proved no identity") }
        return RPCAccess.check(grant, method: method, peer: peer, caller: caller)
    }

    func reply(_ identity: Data, _ requestId: Data, _ status: String, _ body: Data) {
        socket.post([[identity, requestId, Data(status.utf8), body]])
    }

    func replyError(_ identity: Data, _ requestId: Data, _ error: PosyError) {
        reply(identity, requestId, RPCStatus.error, JSON.encodeOrEmpty(error))
    }

    func handle(_ received: [Data]) async {
        // ROUTER prepends the peer's routing id: [routing][requestId][method][json]; an authorising
        // server's socket puts the proven identity before that.
        var frames = received[...]
        let peer = authorises ? String(decoding: frames.popFirst() ?? Data(), as: UTF8.self) : ""
        guard frames.count >= 2 else {
            metrics.increment("rpc_bad_frames")
            logger.warning("dropped RPC message without request id", metadata: ["frames": "\(frames.count)"])
            return
        }
        let identity = frames[frames.startIndex]
        let requestId = frames[frames.startIndex + 1]
        guard frames.count == 4, requestId.count <= RPCServer.maxRequestIdBytes else {
            metrics.increment("rpc_bad_frames")
            logger.warning("RPC request with wrong frames", metadata: ["frames": "\(frames.count)"])
            replyError(
                identity, requestId.prefix(RPCServer.maxRequestIdBytes),
                PosyError(
                    .badFrames, "expected [requestId][method][json] with a request id of at most 255 bytes, got \(frames.count - 1) frames")
            )
            return
        }
        let methodFrame = frames[frames.startIndex + 2]
        let body = frames[frames.startIndex + 3]
        guard let method = String(data: methodFrame, encoding: .utf8), method.utf8.count <= 128,
            let (handler, grant, raw) = handlers.withLock({ $0[method] })
        else {
            metrics.increment("rpc_unknown_method")
            let shown = String(decoding: methodFrame.prefix(64), as: UTF8.self)
            replyError(identity, requestId, PosyError(.unknownMethod, "unknown method '\(shown)'"))
            return
        }
        // The caller is read once, here: the grant is judged on it and the handler gets it.
        let caller: RPCCaller?
        do {
            caller = raw ? nil : try RPCAccess.caller(in: body)
        } catch {
            metrics.increment("rpc_errors.\(method)")
            replyError(identity, requestId, PosyError(.badRequest, "body of \(method): \(error.message)"))
            return
        }
        if authorises, let refusal = refusal(method: method, grant: grant, peer: peer, caller: caller) {
            let count = metrics.increment("rpc_refused")
            metrics.increment("rpc_refused.\(method)")
            if Metrics.worthLogging(count) {
                logger.warning(
                    "RPC request refused",
                    metadata: ["method": "\(method)", "peer": "\(peer)", "reason": "\(refusal.message)", "refused": "\(count)"])
            }
            replyError(identity, requestId, refusal)
            return
        }
        metrics.increment("rpc_requests.\(method)")
        let start = ContinuousClock.now
        do {
            let result = try await handler(RPCRequest(method: method, body: body, peer: peer, caller: caller))
            reply(identity, requestId, RPCStatus.ok, result)
        } catch let e as PosyError {
            metrics.increment("rpc_errors.\(method)")
            replyError(identity, requestId, e)
        } catch let e as SchemaError {
            metrics.increment("rpc_errors.\(method)")
            replyError(identity, requestId, PosyError(e.code, e.message))
        } catch let e as SQLiteError where e.isFull {
            // A full disk is the caller's to know about (507, retry later), not an internal error.
            metrics.increment("rpc_errors.\(method)")
            logger.error("store disk full", metadata: ["method": "\(method)", "error": "\(e)"])
            replyError(identity, requestId, PosyError(.insufficientStorage, "the store's disk is full; nothing was changed"))
        } catch {
            metrics.increment("rpc_errors.\(method)")
            logger.error("RPC handler failed", metadata: ["method": "\(method)", "error": "\(error)"])
            replyError(identity, requestId, PosyError(.internal, "\(method) failed"))
        }
        metrics.observe("rpc.\(method)", seconds: (ContinuousClock.now - start).seconds)
    }
}

/// Lets the socket's receiver reach its server without a retain cycle.
final class WeakServerBox: Sendable {
    private struct Ref { weak var server: RPCServer? }
    private let ref = Mutex(Ref())
    var server: RPCServer? {
        get { ref.withLock { $0.server } }
        set { ref.withLock { $0.server = newValue } }
    }
}
