import ArgumentParser
import Foundation
import PosyCLI
import PosyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `posy bench backup`: a backup of a suite holding a day's worth of a busy shop — orders, their
/// chat, proof photos — taken while orders keep arriving at a steady rate. It reports how long the
/// stores held their writes, the backup's size, time and rate, and the latency of the orders
/// created before and while it ran (docs/performance.md, "Backup").
public struct BackupBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Benchmark posy backup of a loaded suite while orders keep arriving.")

    @Option(name: .customLong("orders"), help: "Orders in the suite before the backup (each with a chat message).") var orders = 5_000
    @Option(name: .customLong("photos"), help: "Proof photos in the suite before the backup.") var photos = 300
    @Option(name: .customLong("photo-kib"), help: "Size of each photo, KiB.") var photoKiB = 300
    @Option(name: .customLong("rate"), help: "Orders per second created throughout (a city's peak hour is ~7/s).") var rate = 10.0
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard (1...200_000).contains(orders), (0...orders).contains(photos) else {
            throw ValidationError("--orders 1…200000, --photos 0…orders")
        }
        guard (1...10_240).contains(photoKiB), rate > 0, rate <= 200 else { throw ValidationError("--photo-kib 1…10240, --rate (0, 200]") }
    }

    public func run() async throws {
        Allocator.tune()
        let suite = try await BenchSuite.start(
            "backup", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders", "posy-messaging --shard 1", "posy-location", "posy-receipts", "posy-notify"],
            environment: ["POSY_IMAGE_LIMIT_MIB": "\(photoKiB / 1024 + 2)"], connectionsPerHost: 32)
        defer { suite.stop() }
        // posy backup takes the secret from the data directory, as under posy up.
        guard
            FileManager.default.createFile(
                atPath: (suite.dir as NSString).appendingPathComponent("secret"), contents: Data((suite.secret + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw ValidationError("cannot write the suite's secret in \(suite.dir)") }
        let staff = try suite.staffToken()
        let say: (String) -> Void = { if !json { print("posy bench backup: \($0)") } }

        // The day so far: orders, a message in each one's chat, photos.
        say("seeding \(orders) orders with a message each and \(photos) photos of \(photoKiB) KiB")
        let seeded = Locked<[(String, String)]>([])
        try await Self.parallel(orders, clients: 32) { i in
            let (status, data) = try await suite.send("POST", "/v1/orders", staff, BenchSuite.order, key: "seed-\(i)")
            guard status == 201, let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let id = o["id"] as? String,
                let conversation = o["conversationId"] as? String
            else { throw ValidationError("seeding: \(status)") }
            seeded.withLock { $0.append((id, conversation)) }
        }
        let made = seeded.value
        try await Self.parallel(made.count, clients: 32) { i in
            let body = Data(#"{"clientMsgId":"seed-\#(i)","kind":"text","text":"Please ring twice; the gate code is 4711"}"#.utf8)
            for _ in 0..<100 {
                let status = try await suite.send("POST", "/v1/conversations/\(made[i].1)/messages", staff, body).0
                if status == 201 || status == 200 { return }
                try await Task.sleep(for: .milliseconds(50))  // the shard has not applied the order yet
            }
            throw ValidationError("seeding: no message stored in \(made[i].1)")
        }
        let photo = PeakWorker.photo(kib: photoKiB)
        try await Self.parallel(photos, clients: 8) { i in
            var bytes = photo
            bytes.replaceSubrange(40..<56, with: Data(String(format: "%016d", i).utf8))
            let (status, _) = try await suite.http.send("POST", "/v1/media?orderId=\(made[i].0)", staff, bytes, contentType: "image/jpeg")
            guard status == 201 else { throw ValidationError("seeding: photo \(status)") }
        }

        // Orders keep arriving at `rate`; each creation's latency is kept with its start time.
        let latencies = Locked<[(start: Double, ms: Double)]>([])
        let clock = ContinuousClock.now
        let perSecond = rate
        let load = Task {
            var n = 0
            while !Task.isCancelled {
                n += 1
                let i = n
                Task {
                    let start = (ContinuousClock.now - clock).seconds
                    let status = (try? await suite.send("POST", "/v1/orders", staff, BenchSuite.order, key: "during-\(i)"))?.0
                    let ms = ((ContinuousClock.now - clock).seconds - start) * 1000
                    if status == 201 { latencies.withLock { $0.append((start, ms)) } }
                }
                try? await Task.sleep(until: clock + .milliseconds(Int(Double(n) * 1000 / perSecond)))
            }
        }
        try await Task.sleep(for: .seconds(10))  // the baseline
        let servers = suite.pids
        let (cpu0, wall0) = (ProcessCPU.total(servers), ContinuousClock.now)
        let began = (ContinuousClock.now - clock).seconds
        let taken = try await SuiteBackup.take(
            busSub: "tcp://127.0.0.1:\(Self.busSubPort(suite))", keysDir: (suite.dir as NSString).appendingPathComponent("keys"),
            dataDir: suite.dir, parent: (suite.dir as NSString).appendingPathComponent("backups"))
        let ended = (ContinuousClock.now - clock).seconds
        let seconds = (ContinuousClock.now - wall0).seconds
        let cpu1 = ProcessCPU.total(servers)
        try await Task.sleep(for: .seconds(3))
        load.cancel()
        try await Task.sleep(for: .seconds(2))
        let verifyStart = ContinuousClock.now
        let chains = try SuiteBackup.verify(taken.directory)
        let verifySeconds = (ContinuousClock.now - verifyStart).seconds

        let all = latencies.value
        func percentiles(_ xs: [Double]) -> (p50: Double, p99: Double, max: Double, n: Int) {
            let s = xs.sorted()
            guard !s.isEmpty else { return (0, 0, 0, 0) }
            return (s[s.count / 2], s[min(s.count - 1, Int(Double(s.count) * 0.99))], s.last!, s.count)
        }
        let before = percentiles(all.filter { $0.start < began }.map(\.ms))
        let during = percentiles(all.filter { $0.start >= began && $0.start <= ended }.map(\.ms))
        let mib = Double(taken.bytes) / 1_048_576
        let report: [String: Any] = [
            "orders": orders, "photos": photos, "rate": rate, "backupSeconds": seconds, "writesHeldMs": taken.writesHeldMs,
            "bytes": taken.bytes, "mibPerSecond": mib / seconds, "files": taken.files, "verifySeconds": verifySeconds,
            "evidenceChains": chains, "serverCPUSeconds": cpu0.flatMap { a in cpu1.map { $0 - a } } ?? -1,
            "createP50MsBefore": before.p50, "createP99MsBefore": before.p99, "createMaxMsBefore": before.max,
            "createP50MsDuring": during.p50, "createP99MsDuring": during.p99, "createMaxMsDuring": during.max,
            "createdDuring": during.n, "load": MachineCPU.loadAverage(),
        ]
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(
                TextTable.render([
                    ["BACKUP", "SIZE", "TIME", "RATE", "WRITES HELD", "VERIFY", "SERVER CPU"],
                    [
                        "\(taken.files) files (\(taken.media) media)", String(format: "%.1f MiB", mib), String(format: "%.2f s", seconds),
                        String(format: "%.0f MiB/s", mib / seconds), "\(taken.writesHeldMs) ms", String(format: "%.2f s", verifySeconds),
                        cpu0.flatMap { a in cpu1.map { String(format: "%.2f s", $0 - a) } } ?? "-",
                    ],
                ]))
            print(
                TextTable.render([
                    ["ORDERS CREATED", "N", "P50 ms", "P99 ms", "MAX ms"],
                    [
                        "before the backup", "\(before.n)", String(format: "%.1f", before.p50), String(format: "%.1f", before.p99),
                        String(format: "%.1f", before.max),
                    ],
                    [
                        "while it ran", "\(during.n)", String(format: "%.1f", during.p50), String(format: "%.1f", during.p99),
                        String(format: "%.1f", during.max),
                    ],
                ]))
            print("\(rate) orders/s throughout; load average \(MachineCPU.loadAverage()); the driver runs on the same machine.")
        }
    }

    /// Runs `body(0..<count)` on `clients` concurrent workers.
    static func parallel(_ count: Int, clients: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let next = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    while true {
                        let i = next.withLock { n -> Int in
                            defer { n += 1 }
                            return n
                        }
                        guard i < count else { return }
                        try await body(i)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func busSubPort(_ suite: BenchSuite) -> String {
        // The bus's backend, from its arguments: `--backend tcp://127.0.0.1:<port>`.
        let args = suite.processes.first { $0.0 == "posy-bus" }?.1.arguments ?? []
        return args.firstIndex(of: "--backend").map { String(args[$0 + 1].split(separator: ":").last ?? "") } ?? ""
    }
}
