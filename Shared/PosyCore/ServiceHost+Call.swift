import Foundation
import PosyAccess
import PosySchema

extension ServiceHost {
    /// Calls `method` on the live instance named `instance` (found by its heartbeats) and returns the
    /// reply's body. `unavailable` when no heartbeat of it came within `freshness` seconds. An
    /// instance never heard of is waited for only while this process is younger than `discovery`
    /// (it may not have heard the heartbeats yet); later, and for one heard of and gone silent, the
    /// call fails at once — a caller that asks about a stopped service often (the stream, once a
    /// pass) must not wait each time.
    public func call(
        _ instance: String, _ method: String, body: Data, timeout: Duration = .seconds(5), retries: Int = 0,
        freshness: Double = 3.5, discovery: Duration = .seconds(2)
    ) async throws -> Data {
        var found = directory.peer(instance)
        if found == nil, ContinuousClock.now - startedAt < discovery {
            let deadline = startedAt + discovery
            while found == nil, ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                found = directory.peer(instance)
            }
        }
        guard let peer = found, peer.age <= freshness else {
            throw PosyError(.unavailable, "\(instance) is not available")
        }
        let client = try await pool.client(peer.heartbeat.rpc, identity: peer.heartbeat.service)
        return try await client.call(method, body: body, timeout: timeout, retries: retries)
    }

    /// Calls `method` on `instance` (default: the method's service) with `request`, made for `viewer`
    /// (a person passed on, or this service as itself) when the method acts for someone; decodes the reply.
    public func call<Request: Encodable & Sendable, Reply: Decodable & Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer? = nil, on instance: String? = nil,
        timeout: Duration = .seconds(5), retries: Int = 0
    ) async throws -> Reply {
        try RPCClient.decode(method, try await callData(method, request, as: viewer, on: instance, timeout: timeout, retries: retries))
    }

    /// Calls `method` with `request` for `viewer`; returns the reply's body as it came (JSON to
    /// forward, or raw bytes).
    public func callData<Request: Encodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer? = nil, on instance: String? = nil,
        timeout: Duration = .seconds(5), retries: Int = 0, freshness: Double = 3.5
    ) async throws -> Data {
        let body = try JSON.encode(request)
        return try await call(
            Self.instance(method, instance), method.name, body: viewer.map { $0.request(body) } ?? body, timeout: timeout,
            retries: retries, freshness: freshness)
    }

    /// Calls a method whose request is not JSON with `body`.
    public func callData<Reply: Sendable>(
        _ method: RPC<RawBytes, Reply>, body: Data, on instance: String? = nil, timeout: Duration = .seconds(5),
        freshness: Double = 3.5
    ) async throws -> Data {
        try await call(Self.instance(method, instance), method.name, body: body, timeout: timeout, freshness: freshness)
    }

    static func instance<Request, Reply>(_ method: RPC<Request, Reply>, _ instance: String?) -> String {
        let name = instance ?? method.service
        precondition(!name.isEmpty && name != RPCInstance.messagingShard, "\(method.name): name the instance to call")
        return name
    }
}
