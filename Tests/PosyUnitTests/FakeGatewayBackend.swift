import Foundation
import PosyGateway
import PosySchema
import Synchronization

/// A backend for route tests: records every call the gateway makes and answers with `answer`, so
/// a test sees exactly what a route sent to which instance and what it made of the reply.
final class FakeGatewayBackend: GatewayBackend {
    struct Call: Sendable {
        var method: String
        var instance: String
        var body: Data
        var retries: Int

        /// The request's JSON as a dictionary (empty when it is not JSON).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var caller: [String: Any] { json["caller"] as? [String: Any] ?? [:] }
    }

    private let recorded = Mutex<[Call]>([])
    let shards: [String]
    let answer: @Sendable (Call) async throws -> Data

    init(shards: [String] = [], answer: @escaping @Sendable (Call) async throws -> Data = { _ in Data("{}".utf8) }) {
        self.shards = shards
        self.answer = answer
    }

    var calls: [Call] { recorded.withLock { $0 } }

    func send(_ method: String, body: Data, to instance: String, timeout: Duration, retries: Int) async throws -> Data {
        let call = Call(method: method, instance: instance, body: body, retries: retries)
        recorded.withLock { $0.append(call) }
        return try await answer(call)
    }

    func liveInstances(of service: String) -> [String] { shards.filter { $0.hasPrefix(service) } }

    func health() async -> HealthSummary { HealthSummary(status: "ok", version: "test", services: []) }

    func stats() async -> [(String, StatsReport?)] { [] }
}
