import ArgumentParser
import Foundation
import Histogram
import PosyAuth
import PosyCLI
import PosyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `posy bench orders`: order creations and state transitions per second through the real gateway
/// and `posy-orders` (bus, orders and gateway started here by ``BenchSuite``), with latency
/// percentiles. The HTTP clients run on the same machine.
public struct OrdersBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "orders", abstract: "Benchmark order creation and transitions.")

    @Option(name: .customLong("count"), help: "Orders to create (each is then confirmed).") var count = 3_000
    @Option(name: .customLong("clients"), help: "Concurrent HTTP clients.") var clients = 32
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func run() async throws {
        Allocator.tune()
        let suite = try await BenchSuite.start("orders", bin: binDir ?? UpCommand.ownDirectory(), services: ["posy-orders"])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let order = BenchSuite.order

        let ids = Locked<[String]>([])
        let servers = suite.pids
        let cpu0 = (ProcessCPU.total(servers), ProcessCPU.seconds())
        let create = try await Self.load(count: count, clients: clients) { i in
            let (status, data) = try await suite.send("POST", "/v1/orders", staff, order, key: "bench-\(i)")
            guard status == 201 else { return false }
            if let id = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String {
                ids.withLock { $0.append(id) }
            }
            return true
        }
        let created = ids.value
        let cpu1 = (ProcessCPU.total(servers), ProcessCPU.seconds())
        let confirm = try await Self.load(count: created.count, clients: clients) { i in
            try await suite.send("POST", "/v1/orders/\(created[i])/confirm", staff, Data("{}".utf8)).0 == 200
        }
        let cpu2 = (ProcessCPU.total(servers), ProcessCPU.seconds())
        func cpu(_ a: (Double?, Double?), _ b: (Double?, Double?), _ n: Int) -> (server: Double?, client: Double?) {
            let per = { (x: Double?, y: Double?) in x.flatMap { x in y.map { ($0 - x) * 1000 / Double(max(n, 1)) } } }
            return (per(a.0, b.0), per(a.1, b.1))
        }
        let results = [
            create.result("create order (POST /v1/orders)", cpu: cpu(cpu0, cpu1, create.ok)),
            confirm.result("transition (POST …/confirm)", cpu: cpu(cpu1, cpu2, confirm.ok)),
        ]
        if json {
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: results.map(\.dictionary), options: [.sortedKeys]), as: UTF8.self))
        } else {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            var rows = [
                [
                    "RUN", "REQUESTS", "OK", "PER SECOND", "P50 ms", "P99 ms", "P99.9 ms", "MAX ms", "SERVER CPU ms/req",
                    "CLIENT CPU ms/req", "SERVER-ONLY /s",
                ]
            ]
            let ms = { (v: Double?) in v.map { String(format: "%.3f", $0) } ?? "-" }
            for r in results {
                rows.append([
                    r.name, "\(r.requests)", "\(r.ok)", String(format: "%.0f", r.perSecond), String(format: "%.2f", r.p50),
                    String(format: "%.2f", r.p99), String(format: "%.2f", r.p999), String(format: "%.2f", r.max),
                    ms(r.serverCPU), ms(r.clientCPU),
                    r.serverCPU.map { String(format: "%.0f", Double(cores) * 1000 / $0) } ?? "-",
                ])
            }
            print(TextTable.render(rows))
            print("\(clients) concurrent HTTP clients on the same \(cores)-core machine; one event per write in posy-orders.")
            print("SERVER CPU: bus + orders + gateway CPU time per request; SERVER-ONLY /s = cores / that — the rate the")
            print("servers could reach with the client on another machine (an estimate; PER SECOND is what was measured).")
        }
    }

    struct Run {
        let requests: Int
        let ok: Int
        let seconds: Double
        let histogram: Histogram<UInt64>

        func result(_ name: String, cpu: (server: Double?, client: Double?)) -> Result {
            Result(
                name: name, requests: requests, ok: ok, perSecond: Double(ok) / seconds,
                serverCPU: cpu.server, clientCPU: cpu.client,
                p50: Double(histogram.valueAtPercentile(50)) / 1000, p99: Double(histogram.valueAtPercentile(99)) / 1000,
                p999: Double(histogram.valueAtPercentile(99.9)) / 1000, max: Double(histogram.max) / 1000)
        }
    }

    struct Result {
        let name: String
        let requests: Int
        let ok: Int
        let perSecond: Double
        /// CPU milliseconds per request of the three servers together, and of this client.
        let serverCPU, clientCPU: Double?
        let p50, p99, p999, max: Double

        var dictionary: [String: Any] {
            var d: [String: Any] = [
                "name": name, "requests": requests, "ok": ok, "perSecond": perSecond, "p50Ms": p50, "p99Ms": p99,
                "p999Ms": p999, "maxMs": max,
            ]
            d["serverCPUMsPerRequest"] = serverCPU
            d["clientCPUMsPerRequest"] = clientCPU
            return d
        }
    }

    /// Runs `count` requests from `clients` concurrent loops, timing each (microseconds).
    static func load(count: Int, clients: Int, _ request: @escaping @Sendable (Int) async throws -> Bool) async throws -> Run {
        let next = Locked(0)
        let ok = Locked(0)
        let histogram = Locked(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    while true {
                        let i = next.withLock { v -> Int in
                            v += 1
                            return v - 1
                        }
                        if i >= count { return }
                        let t0 = ContinuousClock.now
                        let good = try await request(i)
                        let micros = UInt64(max(1, (ContinuousClock.now - t0).seconds * 1_000_000))
                        histogram.withLock { _ = $0.record(micros) }
                        if good { ok.withLock { $0 += 1 } }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Run(requests: count, ok: ok.value, seconds: (ContinuousClock.now - start).seconds, histogram: histogram.value)
    }
}
