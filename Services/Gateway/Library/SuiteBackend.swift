import Foundation
import PosyCore
import PosySchema

/// The gateway's backend in a running suite: calls go to the instance's RPC endpoint found by its
/// heartbeats, an instance counts as alive within ``SuiteMonitor/heartbeatDeadline``, and health
/// and stats are asked of every instance through ``MonitorCache``.
struct SuiteBackend: GatewayBackend {
    let host: ServiceHost
    let monitor: MonitorCache

    func send(_ method: String, body: Data, to instance: String, timeout: Duration, retries: Int) async throws -> Data {
        try await host.call(
            instance, method, body: body, timeout: timeout, retries: retries, freshness: SuiteMonitor.heartbeatDeadline)
    }

    func liveInstances(of service: String) -> [String] {
        host.directory.alive(within: SuiteMonitor.heartbeatDeadline).filter { $0.heartbeat.service == service }.map(\.heartbeat.instance)
    }

    func health() async -> HealthSummary { await monitor.summary() }

    func stats() async -> [(String, StatsReport?)] { await monitor.allStats() }
}
