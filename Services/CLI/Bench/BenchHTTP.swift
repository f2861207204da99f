import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A benchmark's HTTP client of the gateway at `base`: one URLSession, requests with a bearer token
/// and JSON bodies, answers as (status, body) — 0 when no answer came.
struct BenchHTTP: Sendable {
    let base: String
    let session: URLSession

    init(base: String, connectionsPerHost: Int = 6) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connectionsPerHost
        session = URLSession(configuration: configuration)
    }

    func send(
        _ method: String, _ path: String, _ token: String?, _ body: Data?, key: String? = nil, contentType: String = "application/json"
    ) async throws -> (Int, Data) {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = method
        r.timeoutInterval = 30
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let key { r.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
        if let body {
            r.httpBody = body
            r.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        // Shielded from the caller's cancellation: cancelling a URLSession request as it completes
        // deadlocks swift-corelibs-foundation (see Harness.data(for:) in the tests).
        let session = self.session
        guard let (data, response) = await Task(operation: { try? await session.data(for: r) }).value else { return (0, Data()) }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
