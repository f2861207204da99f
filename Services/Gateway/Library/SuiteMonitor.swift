import Foundation
import PosyCore
import PosySchema

/// Asks every known service for its health and stats. "Known" = the expected instances plus every
/// instance that heartbeated recently (CLI tools excluded).
public struct SuiteMonitor: Sendable {
    let host: ServiceHost
    let expected: [String]
    /// A service whose last heartbeat is older than this is `down`.
    public static let heartbeatDeadline = 3.5

    public init(host: ServiceHost, expected: [String]) {
        self.host = host
        self.expected = expected
    }

    /// Instances to report: expected ones, this gateway, and live ones except tools.
    func instances() -> [String] {
        var names = Set(expected + [host.descriptor.instance])
        for p in host.directory.alive(within: 30) where p.heartbeat.service != ServiceName.cli {
            names.insert(p.heartbeat.instance)
        }
        return names.sorted()
    }

    public func health() async -> HealthSummary {
        let rows = await withTaskGroup(of: ServiceStatus.self) { group in
            for name in instances() {
                group.addTask { await status(of: name) }
            }
            var all: [ServiceStatus] = []
            for await row in group { all.append(row) }
            return all.sorted { $0.instance < $1.instance }
        }
        let ok = rows.allSatisfy { $0.status == "ok" }
        return HealthSummary(status: ok ? "ok" : "degraded", version: PosyVersion.current, services: rows)
    }

    func status(of instance: String) async -> ServiceStatus {
        guard let peer = host.directory.peer(instance) else {
            return ServiceStatus(instance: instance, service: instance, status: "down", error: "no heartbeat seen")
        }
        let hb = peer.heartbeat
        var row = ServiceStatus(
            instance: instance, service: hb.service, status: "down", version: hb.version, rpc: hb.rpc, pid: hb.pid,
            lastHeartbeat: Timestamp.format(peer.lastSeenDate), heartbeatAgeSeconds: (peer.age * 1000).rounded() / 1000)
        guard peer.age <= Self.heartbeatDeadline else {
            row.error = "last heartbeat \(Int(peer.age)) s ago"
            return row
        }
        if instance == host.descriptor.instance {
            let report = await host.health()
            row.status = report.status
            row.checks = report.checks
            return row
        }
        do {
            let client = try await host.pool.client(hb.rpc, identity: hb.service)
            let report = try await client.call(
                RPCMethod.health, EmptyBody(),
                timeout: .seconds(1))
            row.status = report.status
            row.checks = report.checks
        } catch {
            row.status = "unreachable"
            row.error = "\(error)"
        }
        return row
    }

    /// `stats` of every live instance (those that do not answer are left out and marked down in `posy_up`).
    public func stats() async -> [(String, StatsReport?)] {
        await withTaskGroup(of: (String, StatsReport?).self) { group in
            for name in instances() {
                group.addTask {
                    if name == host.descriptor.instance {
                        return (name, host.statsReport())
                    }
                    guard let peer = host.directory.peer(name), peer.age <= Self.heartbeatDeadline,
                        let client = try? await host.pool.client(peer.heartbeat.rpc, identity: peer.heartbeat.service)
                    else { return (name, nil) }
                    let report = try? await client.call(RPCMethod.stats, EmptyBody(), timeout: .seconds(1))
                    return (name, report)
                }
            }
            var all: [(String, StatsReport?)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }
        }
    }
}
