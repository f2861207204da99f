import Foundation
import PosySchema

extension ServiceHost {
    /// Calls `method` on the live instance named `instance` (found by its heartbeats) and returns the
    /// reply's body. `unavailable` when no heartbeat of it came within `freshness` seconds. An
    /// instance never heard of yet (this process started less than a heartbeat ago) is waited for up
    /// to `discovery`; one heard of and gone silent fails at once.
    public func call(
        _ instance: String, _ method: String, body: Data, timeout: Duration = .seconds(5), retries: Int = 0,
        freshness: Double = 3.5, discovery: Duration = .seconds(2)
    ) async throws -> Data {
        var found = directory.peer(instance)
        if found == nil {
            let deadline = ContinuousClock.now + discovery
            while found == nil, ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                found = directory.peer(instance)
            }
        }
        guard let peer = found, peer.age <= freshness else {
            throw PosyError(.unavailable, "\(instance) is not available")
        }
        let client = try await pool.client(peer.heartbeat.rpc)
        return try await client.call(method, body: body, timeout: timeout, retries: retries)
    }

    /// ``call(_:_:body:timeout:retries:freshness:)`` with a JSON request.
    public func call(
        _ instance: String, _ method: String, _ request: some Encodable, timeout: Duration = .seconds(5),
        retries: Int = 0
    ) async throws -> Data {
        try await call(instance, method, body: JSON.encode(request), timeout: timeout, retries: retries)
    }
}
