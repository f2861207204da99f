import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A benchmark's HTTP client of the gateway at `base`: requests with a bearer token and JSON
/// bodies, answers as (status, body) — 0 when no answer came. AsyncHTTPClient on the process's
/// event loops: URLSession runs libcurl on dispatch's sources and timers, whose thread's wake-ups
/// were most of a fifth of a peak driver's CPU (docs/performance.md, "A city's peak hour").
struct BenchHTTP: Sendable {
    let base: String
    let client: HTTPClient

    /// The largest answer read (a media download in the benchmarks is a few MiB).
    static let maxBody = 64 << 20

    init(base: String, connectionsPerHost: Int = 6) {
        self.base = base
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        configuration.timeout.connect = .seconds(10)
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func send(
        _ method: String, _ path: String, _ token: String?, _ body: Data?, key: String? = nil, contentType: String = "application/json"
    ) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let answer = try await response.body.collect(upTo: Self.maxBody)
            return (Int(response.status.code), Data(answer.readableBytesView))
        } catch {
            return (0, Data())
        }
    }

    /// Closes the client's connections; a benchmark calls it once, when it stops.
    func shutdown() {
        try? client.syncShutdown()
    }
}
