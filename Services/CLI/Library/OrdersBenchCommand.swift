import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Histogram
import PosyAuth
import PosyCore

/// `posy bench orders`: order creations and state transitions per second through the real gateway
/// and `posy-orders` (bus, orders and gateway started here as processes on free ports, with their
/// stores in a temp directory), with latency percentiles. The HTTP clients run on the same machine.
public struct OrdersBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "orders", abstract: "Benchmark order creation and transitions.")

    @Option(name: .customLong("count"), help: "Orders to create (each is then confirmed).") var count = 3_000
    @Option(name: .customLong("clients"), help: "Concurrent HTTP clients.") var clients = 32
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func run() async throws {
        Allocator.tune()
        let bin = binDir ?? UpCommand.ownDirectory()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("posy-bench-orders-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let secret = UUID().uuidString
        let ports = try (0..<5).map { _ in try Self.freePort() }
        let (bus, busSub, ordersRPC, http) = ("tcp://127.0.0.1:\(ports[0])", "tcp://127.0.0.1:\(ports[1])", "tcp://127.0.0.1:\(ports[3])", ports[4])
        let common = ["--bus-pub", bus, "--bus-sub", busSub, "--data-dir", dir, "--log-level", "warning"]
        var env = ProcessInfo.processInfo.environment
        env["POSY_SECRET"] = secret
        let processes = [
            ("posy-bus", ["--frontend", bus, "--backend", busSub, "--rpc", "tcp://127.0.0.1:\(ports[2])", "--log-level", "warning"]),
            ("posy-orders", common + ["--rpc", ordersRPC]),
            ("posy-gateway", common + ["--http-port", "\(http)", "--rate-limit", "0", "--expect", "bus,orders", "--rpc", "tcp://127.0.0.1:*"]),
        ].map { exe, args -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: (bin as NSString).appendingPathComponent(exe))
            p.arguments = args
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            return p
        }
        for p in processes { try p.run() }
        defer { for p in processes where p.isRunning { kill(p.processIdentifier, SIGTERM) } }
        let base = "http://127.0.0.1:\(http)"
        let signer = TokenSigner(secret: secret)
        let admin = try signer.mint(sub: "bench", role: .admin, ttl: 3600)
        let staff = try signer.mint(sub: "bench-staff", role: .staff, shop: "s1", ttl: 3600)
        let session = URLSession(configuration: .ephemeral)

        // Wait for the suite, then a shop.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try await Self.send(session, "GET", base + "/healthz", nil, nil).0 == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let shop = #"{"id":"s1","name":"Bench Flowers","address":"1 Bench St","lat":31.2,"lon":121.4,"timeZone":"Asia/Shanghai"}"#
        guard try await Self.send(session, "POST", base + "/v1/shops", admin, Data(shop.utf8)).0 == 201 else {
            throw ValidationError("the suite did not come up (no 201 for the shop)")
        }
        let order = Data(#"{"shopId":"s1","customer":{"id":"c1","name":"Mei"},"recipient":{"name":"Mother","address":"12 Garden Rd","lat":31.23,"lon":121.47},"items":[{"name":"carnations","quantity":12}],"cardMessage":"For the best mum","window":{"start":"2026-05-10T10:00:00Z","end":"2026-05-10T12:00:00Z"}}"#.utf8)

        let ids = Locked<[String]>([])
        let servers = processes.map(\.processIdentifier)
        let cpu0 = (ProcessCPU.total(servers), ProcessCPU.seconds())
        let create = try await Self.load(count: count, clients: clients) { i in
            let (status, data) = try await Self.send(session, "POST", base + "/v1/orders", staff, order, key: "bench-\(i)")
            guard status == 201 else { return false }
            if let id = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String {
                ids.withLock { $0.append(id) }
            }
            return true
        }
        let created = ids.value
        let cpu1 = (ProcessCPU.total(servers), ProcessCPU.seconds())
        let confirm = try await Self.load(count: created.count, clients: clients) { i in
            try await Self.send(session, "POST", base + "/v1/orders/\(created[i])/confirm", staff, Data("{}".utf8)).0 == 200
        }
        let cpu2 = (ProcessCPU.total(servers), ProcessCPU.seconds())
        func cpu(_ a: (Double?, Double?), _ b: (Double?, Double?), _ n: Int) -> (server: Double?, client: Double?) {
            let per = { (x: Double?, y: Double?) in x.flatMap { x in y.map { ($0 - x) * 1000 / Double(max(n, 1)) } } }
            return (per(a.0, b.0), per(a.1, b.1))
        }
        let results = [create.result("create order (POST /v1/orders)", cpu: cpu(cpu0, cpu1, create.ok)),
                       confirm.result("transition (POST …/confirm)", cpu: cpu(cpu1, cpu2, confirm.ok))]
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: results.map(\.dictionary), options: [.sortedKeys]), as: UTF8.self))
        } else {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            var rows = [["RUN", "REQUESTS", "OK", "PER SECOND", "P50 ms", "P99 ms", "P99.9 ms", "MAX ms", "SERVER CPU ms/req",
                         "CLIENT CPU ms/req", "SERVER-ONLY /s"]]
            let ms = { (v: Double?) in v.map { String(format: "%.3f", $0) } ?? "-" }
            for r in results {
                rows.append([r.name, "\(r.requests)", "\(r.ok)", String(format: "%.0f", r.perSecond), String(format: "%.2f", r.p50),
                             String(format: "%.2f", r.p99), String(format: "%.2f", r.p999), String(format: "%.2f", r.max),
                             ms(r.serverCPU), ms(r.clientCPU),
                             r.serverCPU.map { String(format: "%.0f", Double(cores) * 1000 / $0) } ?? "-"])
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
            Result(name: name, requests: requests, ok: ok, perSecond: Double(ok) / seconds,
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
            var d: [String: Any] = ["name": name, "requests": requests, "ok": ok, "perSecond": perSecond, "p50Ms": p50, "p99Ms": p99,
                                    "p999Ms": p999, "maxMs": max]
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
                        let i = next.withLock { v -> Int in v += 1; return v - 1 }
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

    static func send(_ session: URLSession, _ method: String, _ url: String, _ token: String?, _ body: Data?, key: String? = nil)
        async throws -> (Int, Data)
    {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = method
        r.timeoutInterval = 30
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let key { r.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
        if let body {
            r.httpBody = body
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        guard let (data, response) = try? await session.data(for: r) else { return (0, Data()) }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// A TCP port free right now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in bind(fd, p, len) == 0 && getsockname(fd, p, &len) == 0 }
        }
        guard ok else { throw ValidationError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
