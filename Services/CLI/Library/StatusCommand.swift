import ArgumentParser
import Foundation
import PosyCore
import PosySchema

/// `posy status`: every process that heartbeats, with its health, as a table.
public struct StatusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print every service's health as a table (exit 1 if any is not ok).")

    @OptionGroup var bus: BusOptions
    @Option(name: .customLong("listen"), help: "Seconds to listen for heartbeats (default 1.5).")
    var listen: Double = 1.5
    @Flag(name: .customLong("json"), help: "Print JSON instead of a table.")
    var json = false

    public init() {}

    struct Row: Codable {
        var instance, service, status, version, rpc: String
        var pid: Int32
        var uptimeSeconds: Double?
        var heartbeatAgeSeconds: Double
        var detail: String
    }

    public func run() async throws {
        let o = bus.config
        let (directory, pool) = try await Discovery.peers(busSub: o.busSub, listen: .milliseconds(Int(listen * 1000)))
        var rows: [Row] = []
        for peer in directory.all where peer.heartbeat.service != "cli" {
            let hb = peer.heartbeat
            var row = Row(instance: hb.instance, service: hb.service, status: "unreachable", version: hb.version, rpc: hb.rpc,
                          pid: hb.pid, heartbeatAgeSeconds: peer.age, detail: "")
            do {
                let report = try await pool.client(hb.rpc).call(RPCMethod.health, [String: String](), as: HealthReport.self,
                                                                 timeout: .seconds(1))
                row.status = report.status
                row.uptimeSeconds = report.uptimeSeconds
                row.detail = report.checks.filter { $0.value != "ok" }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            } catch {
                row.detail = "\(error)"
            }
            rows.append(row)
        }
        await pool.closeAll()
        if json {
            print(String(decoding: try JSON.encode(rows), as: UTF8.self))
        } else if rows.isEmpty {
            print("no heartbeats on \(o.busSub): is the suite running (`make run` / `posy up`)?")
        } else {
            let table = [["INSTANCE", "STATUS", "VERSION", "PID", "UPTIME", "HEARTBEAT", "RPC", "DETAIL"]] + rows.map { r in
                [r.instance, r.status, r.version, "\(r.pid)", r.uptimeSeconds.map { Self.duration($0) } ?? "-",
                 String(format: "%.1fs ago", r.heartbeatAgeSeconds), r.rpc, r.detail]
            }
            print(TextTable.render(table))
        }
        if rows.isEmpty || rows.contains(where: { $0.status != "ok" }) { throw ExitCode(1) }
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s)
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
