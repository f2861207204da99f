import ArgumentParser
import Foundation
import PosyCore
import PosySchema
import PosyZMQ

/// `posy status`: every process that heartbeats, with its health, as a table.
public struct StatusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print every service's health as a table (exit 1 if any is not ok).")

    @OptionGroup var bus: BusOptions
    @Option(name: .customLong("listen"), help: "Seconds to listen for heartbeats (default 1.5).")
    var listen: Double = 1.5
    @Flag(name: .customLong("json"), help: "Print JSON instead of a table.")
    var json = false
    @Option(name: .customLong("cpu"), help: "Also measure each local process's CPU use over this many seconds (e.g. 10 on an idle suite).")
    var cpuSeconds: Double?
    @Option(name: .customLong("max-cpu"), help: "With --cpu: exit 1 if a process used more than this percent of one core.")
    var maxCPU: Double?

    public func validate() throws {
        if let c = cpuSeconds, !(c.isFinite && c > 0 && c <= 3600) { throw ValidationError("--cpu must be 0 < seconds ≤ 3600") }
        if maxCPU != nil && cpuSeconds == nil { throw ValidationError("--max-cpu needs --cpu") }
    }

    public init() {}

    struct Row: Codable {
        var instance, service, status, version, rpc: String
        var pid: Int32
        var uptimeSeconds: Double?
        var heartbeatAgeSeconds: Double
        var detail: String
        /// Percent of one core over `--cpu` seconds; nil when not asked or the process is not on this machine.
        var cpuPercent: Double?
        /// Resident memory, as the process reports it in its stats: all its pages, and its share of them.
        var rssBytes: Int64?
        var pssBytes: Int64?
        /// Events of each source this process has not applied yet.
        var lag: [String: Int64]?
        /// Its store (with the WAL) and, for posy-receipts, its media on disk.
        var storeBytes: Int64?
        var mediaBytes: Int64?
        /// Seconds since a backup of its store completed (nil: never), and the schedule it was on.
        var backupAgeSeconds: Int64?
        var backupEverySeconds: Int64?
        /// Seconds since its `file://` Litestream replica last received a change (`posy up --replicate`).
        var replicaAgeSeconds: Double?

        /// What is wrong with its backups: none for a schedule, or the last one older than it.
        var backupWarning: String? {
            guard let every = backupEverySeconds, every > 0 else { return nil }
            guard let age = backupAgeSeconds else { return "\(instance): no backup has completed" }
            // A run may take a while: late by more than half a period is a missed one.
            return age > every + every / 2
                ? "\(instance): the last backup is \(StatusCommand.duration(Double(age))) old, the schedule is every \(StatusCommand.duration(Double(every)))"
                : nil
        }
    }

    public func run() async throws {
        let o = try bus.config()
        let security = try bus.security()
        let directory = try await Discovery.peers(busSub: o.busSub, security: security, listen: .milliseconds(Int(listen * 1000)))
        var rows: [Row] = []
        for peer in directory.all where peer.heartbeat.service != ServiceName.cli {
            let hb = peer.heartbeat
            var row = Row(
                instance: hb.instance, service: hb.service, status: "unreachable", version: hb.version, rpc: hb.rpc,
                pid: hb.pid, heartbeatAgeSeconds: peer.age, detail: "")
            do {
                let report = try await RPCClient.withClient(hb.rpc, curve: try security.client(of: hb.service)) {
                    try await $0.call(RPCMethod.health, EmptyBody(), timeout: .seconds(1))
                }
                row.status = report.status
                row.uptimeSeconds = report.uptimeSeconds
                row.detail = report.checks.filter { $0.value != "ok" }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                let stats = try await RPCClient.withClient(hb.rpc, curve: try security.client(of: hb.service)) {
                    try await $0.call(RPCMethod.stats, EmptyBody(), timeout: .seconds(1))
                }
                row.rssBytes = stats.gauges["rss_bytes"]
                row.pssBytes = stats.gauges["pss_bytes"]
                let lags = stats.gauges.filter { $0.key.hasPrefix("lag.") }
                if !lags.isEmpty { row.lag = Dictionary(uniqueKeysWithValues: lags.map { (String($0.key.dropFirst(4)), $0.value) }) }
                row.storeBytes = stats.gauges["store_bytes"]
                row.mediaBytes = stats.gauges["media_bytes"]
                if let age = stats.gauges["backup_age_seconds"] { row.backupAgeSeconds = age >= 0 ? age : nil }
                row.backupEverySeconds = stats.gauges["backup_every_seconds"].flatMap { $0 > 0 ? $0 : nil }
            } catch {
                row.detail = "\(error)"
            }
            rows.append(row)
        }
        let replicas = Replication.configured(dataDir: o.dataDir)
        for i in rows.indices {
            if let replica = replicas.first(where: { $0.store == rows[i].instance })?.replica {
                rows[i].replicaAgeSeconds = Replication.age(ofReplica: replica)
            }
        }
        if let cpuSeconds { await Self.measureCPU(&rows, seconds: cpuSeconds) }
        if json {
            print(String(decoding: try JSON.encode(rows), as: UTF8.self))
        } else if rows.isEmpty && ZMQContext.shared.handshakeFailures > 0 {
            print("the bus at \(o.busSub) refused this tool's key: are --keys-dir's cli.key and bus.pub the suite's?")
        } else if rows.isEmpty {
            print("no heartbeats on \(o.busSub): is the suite running (`make run` / `posy up`)?")
        } else {
            let cpu = cpuSeconds != nil
            var header = ["INSTANCE", "STATUS", "VERSION", "PID", "UPTIME", "HEARTBEAT", "RSS", "PSS", "LAG", "STORE", "BACKUP"]
            if !replicas.isEmpty { header.append("REPLICA") }
            if cpu { header.append("CPU") }
            var table = [header + ["RPC", "DETAIL"]]
            for r in rows {
                var line: [String] = [
                    r.instance, r.status, r.version, "\(r.pid)", r.uptimeSeconds.map { Self.duration($0) } ?? "-",
                    String(format: "%.1fs ago", r.heartbeatAgeSeconds), r.rssBytes.map(Self.mebibytes) ?? "-",
                    r.pssBytes.map(Self.mebibytes) ?? "-",
                    r.lag.map { "\($0.values.reduce(0, +))" } ?? "-",
                    r.storeBytes.map { Self.mebibytes($0 + (r.mediaBytes ?? 0)) } ?? "-",
                    r.backupAgeSeconds.map { Self.duration(Double($0)) + " ago" } ?? (r.storeBytes == nil ? "-" : "never"),
                ]
                if !replicas.isEmpty { line.append(r.replicaAgeSeconds.map { Self.duration($0) + " ago" } ?? "-") }
                if cpu { line.append(r.cpuPercent.map { String(format: "%.1f%%", $0) } ?? "-") }
                table.append(line + [r.rpc, r.detail])
            }
            print(TextTable.render(table))
            // RSS counts the shared libraries once per process; PSS shares them out, so its sum is
            // what the processes on one machine cost it.
            let rss = rows.compactMap(\.rssBytes)
            let pss = rows.compactMap(\.pssBytes)
            print(
                "RSS in all: \(Self.mebibytes(rss.reduce(0, +))), PSS in all: \(Self.mebibytes(pss.reduce(0, +))) "
                    + "(\(rss.count) of \(rows.count) processes reporting)")
        }
        let warnings = rows.compactMap(\.backupWarning)
        for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        if rows.isEmpty || rows.contains(where: { $0.status != "ok" }) || !warnings.isEmpty { throw ExitCode(1) }
        if let maxCPU, let busy = rows.first(where: { ($0.cpuPercent ?? 0) > maxCPU }) {
            FileHandle.standardError.write(
                Data("\(busy.instance) used \(String(format: "%.1f", busy.cpuPercent ?? 0))% of a core (limit \(maxCPU)%)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// CPU time of each process that runs on this machine (its heartbeat's pid names a posy
    /// executable here), read from `/proc` before and after `seconds`.
    static func measureCPU(_ rows: inout [Row], seconds: Double) async {
        func isLocalPosy(_ pid: Int32) -> Bool {
            guard let cmd = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
            return (cmd.split(separator: "\0").first.map { ($0 as NSString).lastPathComponent.hasPrefix("posy") }) ?? false
        }
        let before = rows.map { isLocalPosy($0.pid) ? ProcessCPU.seconds($0.pid) : nil }
        let start = ContinuousClock.now
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        let elapsed = (ContinuousClock.now - start).seconds
        for i in rows.indices {
            guard let b = before[i], let a = ProcessCPU.seconds(rows[i].pid) else { continue }
            rows[i].cpuPercent = max(0, a - b) / elapsed * 100
        }
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s)
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }

    static func mebibytes(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
}
