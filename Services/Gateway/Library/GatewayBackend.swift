import Foundation
import PosyAccess
import PosyCore
import PosySchema

/// Where the gateway's routes reach the rest of the suite: RPC to the service that owns a call,
/// which instances of a service are alive, and the suite's health and stats. ``SuiteBackend`` is the
/// suite's, over the bus and RPC; route tests give the routes their own (docs/architecture.md, "Gateway").
package protocol GatewayBackend: Sendable {
    /// Sends `body` to `method` on the live `instance`; returns the reply's body. A domain failure
    /// is thrown as ``PosyError`` (`unavailable` when the instance is not alive).
    func send(_ method: String, body: Data, to instance: String, timeout: Duration, retries: Int) async throws -> Data

    /// The instances of `service` alive now, by name (the messaging shards).
    func liveInstances(of service: String) -> [String]

    /// Every expected instance's health (`/healthz`).
    func health() async -> HealthSummary

    /// Every instance's counters, `nil` for one that did not answer (`/metrics`).
    func stats() async -> [(String, StatsReport?)]
}

extension GatewayBackend {
    /// Calls `method` with `request` on `instance` (default: the method's service) for `viewer` (nil:
    /// a method that acts for nobody); the reply's body as it came.
    func callData<Request: Encodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer?, on instance: String? = nil,
        timeout: Duration = .seconds(5), retries: Int = 0
    ) async throws -> Data {
        let body = try JSON.encode(request)
        return try await send(
            method.name, body: viewer.map { $0.request(body) } ?? body, to: Self.instance(method, instance), timeout: timeout,
            retries: retries)
    }

    /// Calls a method whose request is not JSON with `body`.
    func callData<Reply: Sendable>(
        _ method: RPC<RawBytes, Reply>, body: Data, on instance: String? = nil, timeout: Duration = .seconds(5)
    ) async throws -> Data {
        try await send(method.name, body: body, to: Self.instance(method, instance), timeout: timeout, retries: 0)
    }

    /// Calls `method` for `viewer` and decodes its reply.
    func call<Request: Encodable & Sendable, Reply: Decodable & Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer?, on instance: String? = nil,
        timeout: Duration = .seconds(5), retries: Int = 0
    ) async throws -> Reply {
        try RPCClient.decode(method, try await callData(method, request, as: viewer, on: instance, timeout: timeout, retries: retries))
    }

    static func instance<Request, Reply>(_ method: RPC<Request, Reply>, _ instance: String?) -> String {
        let name = instance ?? method.service
        precondition(!name.isEmpty && name != RPCInstance.messagingShard, "\(method.name): name the instance to call")
        return name
    }
}
