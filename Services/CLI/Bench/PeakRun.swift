import ArgumentParser
import Foundation
import PosyAuth
import PosyCLI
import PosyCore
import PosySchema

/// One scale of `posy bench peak`: a fresh suite (gateways enough for the streams), the city's shops,
/// couriers and webhooks, driver processes holding the streams, the hour, and its measurements.
struct PeakRun {
    let options: PeakBenchCommand
    let scale: Double

    func measure() async throws -> PeakStep {
        let city = PeakCity(scale: scale, ordersPerHour: options.ordersPerHour)
        let gateways = max(1, (city.streams + PeakBenchCommand.streamsPerGateway - 1) / PeakBenchCommand.streamsPerGateway)
        let drivers = min(city.shops, max(1, (city.streams + PeakBenchCommand.streamsPerDriver - 1) / PeakBenchCommand.streamsPerDriver))
        let load = Self.loadAverage()
        Self.progress(
            "scale \(scale): \(city.shops) shops, \(city.couriers) couriers, \(city.customers) customers, \(city.consoles) consoles "
                + "(\(city.streams) streams on \(gateways) gateway(s), \(drivers) driver(s)), \(Int(city.ordersPerHour)) orders/h; load \(load)"
        )
        // One client address reaches one server address on at most the kernel's ephemeral ports
        // (net.ipv4.ip_local_port_range, 28,232 by default): with more streams than that, the
        // gateways listen on every address and each driver calls them at a loopback address of its
        // own (127.0.0.2, 127.0.0.3, …).
        let spread = city.streams + 1_000 > Self.ephemeralPorts()
        if spread {
            Self.progress(
                "  more streams than ephemeral ports to one address: the gateways listen on 0.0.0.0, driver n calls 127.0.0.(n+2)")
        }
        let shards = (1...options.shards).map(String.init).joined(separator: ",")
        let suite = try await BenchSuite.start(
            "peak", bin: options.binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders --messaging-shards \(shards)"] + (1...options.shards).map { "posy-messaging --shard \($0)" }
                + ["posy-location", "posy-receipts", "posy-notify --allow-local-targets"],
            environment: ["POSY_IMAGE_LIMIT_MIB": "\(options.photoKiB / 1024 + 2)"], gateways: gateways, connectionsPerHost: 32,
            httpHost: spread ? "0.0.0.0" : "127.0.0.1")
        defer { suite.stop() }
        let receiver = PeakWebhookReceiver()
        let hookPort = try BenchSuite.freePort()
        let server = Task { try await receiver.app(port: hookPort).runService() }
        defer { server.cancel() }
        try await setUp(city, suite: suite, hook: "http://127.0.0.1:\(hookPort)/hook", secret: receiver.secret)

        // The drivers: contiguous runs of shops, about as many streams each.
        let secretFile = (suite.dir as NSString).appendingPathComponent("peak")
        try FileManager.default.createDirectory(atPath: secretFile, withIntermediateDirectories: true)
        var processes: [Process] = []
        defer { for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let opened = ContinuousClock.now
        for d in 0..<drivers {
            let plan = PeakPlan(
                city: city, base: spread ? suite.base.replacingOccurrences(of: "127.0.0.1", with: "127.0.0.\(d + 2)") : suite.base,
                secret: suite.secret, shops: (city.shops * d / drivers)..<(city.shops * (d + 1) / drivers),
                worker: d, directory: secretFile, seconds: options.seconds, deliverySeconds: options.deliverySeconds,
                photoKiB: options.photoKiB)
            let file = "\(secretFile)/plan-\(d).json"
            try JSONEncoder().encode(plan).write(to: URL(fileURLWithPath: file))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: (UpCommand.ownDirectory() as NSString).appendingPathComponent("posy-bench"))
            p.arguments = ["peak", "--worker", file]
            try p.run()
            processes.append(p)
        }
        let readyBy = ContinuousClock.now + .seconds(600)
        while (0..<drivers).contains(where: { !FileManager.default.fileExists(atPath: "\(secretFile)/ready-\($0)") }) {
            if let dead = processes.first(where: { !$0.isRunning }) {
                throw PeakError("a driver stopped while opening its streams (status \(dead.terminationStatus))")
            }
            guard ContinuousClock.now < readyBy else { throw PeakError("the drivers did not open their streams within 600 s") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let openSeconds = (ContinuousClock.now - opened).seconds
        Self.progress("  \(city.streams) streams open in \(Int(openSeconds)) s; the hour starts")

        // The hour: measured from when the first deliveries reach their door (a steady state) to its end.
        let start = Date().addingTimeInterval(1)
        try Data(String(start.timeIntervalSince1970).utf8).write(to: URL(fileURLWithPath: "\(secretFile)/go"))
        let warm = min(options.deliverySeconds + 5, options.seconds / 2)
        let named = Self.names(suite.processes.map { ($0.0, $0.1.processIdentifier) })
        let driverPids = processes.map(\.processIdentifier) + [getpid()]
        try await Task.sleep(until: .now + .seconds(start.timeIntervalSinceNow + warm))
        let before = (named.mapValues { ProcessCPU.seconds($0) ?? 0 }, driverPids.compactMap { ProcessCPU.seconds($0) }.reduce(0, +))
        let windowStart = ContinuousClock.now
        var shown = warm
        while shown + 30 < options.seconds {
            try await Task.sleep(for: .seconds(30))
            shown += 30
            Self.progress("  \(Int(shown)) of \(Int(options.seconds)) s")
        }
        try await Task.sleep(until: .now + .seconds(start.timeIntervalSinceNow + options.seconds))
        let window = (ContinuousClock.now - windowStart).seconds
        let cpu = Dictionary(
            uniqueKeysWithValues: named.map { name, pid in (name, ((ProcessCPU.seconds(pid) ?? 0) - (before.0[name] ?? 0)) / window) })
        let driverCores = (driverPids.compactMap { ProcessCPU.seconds($0) }.reduce(0, +) - before.1) / window
        let rss = named.mapValues { Double(ProcessMemory.field($0, "VmRSS")) / 1_048_576 }
        Self.progress("  orders stop arriving; the last deliveries finish")

        let doneBy = ContinuousClock.now + .seconds(options.deliverySeconds + 180)
        while processes.contains(where: \.isRunning) {
            guard ContinuousClock.now < doneBy else { throw PeakError("the drivers did not finish their deliveries in time") }
            try await Task.sleep(for: .milliseconds(200))
        }
        var tally = PeakTally()
        for (d, p) in processes.enumerated() {
            guard p.terminationStatus == 0,
                let part = try? JSONDecoder().decode(
                    PeakTally.self, from: Data(contentsOf: URL(fileURLWithPath: "\(secretFile)/tally-\(d).json")))
            else { throw PeakError("driver \(d) failed (status \(p.terminationStatus))") }
            tally.add(part)
        }
        // Webhooks: every confirmed, departed and delivered order's event, once.
        let expected = Set(tally.reached.flatMap { order, states in states.map { order + "|" + $0 } })
        let hooksBy = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < hooksBy, !expected.isSubset(of: receiver.seen.withLock({ $0.events })) {
            try await Task.sleep(for: .milliseconds(200))
        }
        let seen = receiver.seen.withLock { $0 }
        let refusedBusy = await Self.refusedBusy(suite)
        var step = PeakStep(
            city: city, tally: tally, webhooksExpected: expected.count, webhooksReceived: expected.intersection(seen.events).count,
            webhooksDoubled: seen.doubled, badSignatures: seen.badSignatures, cpu: cpu, driverCores: driverCores, rssMB: rss,
            gateways: gateways, drivers: drivers, loadAverage: load, openSeconds: openSeconds, measuredSeconds: window)
        step.refusedBusy = refusedBusy
        return step
    }

    /// Requests each service answered busy over the run (its `stats` counter `rpc_refused_busy`;
    /// only those above zero, and none for a service that did not answer).
    static func refusedBusy(_ suite: BenchSuite) async -> [String: Int64] {
        var out: [String: Int64] = [:]
        for (instance, endpoint) in suite.rpc {
            let service = String(instance.split(separator: "-").first ?? Substring(instance))  // messaging-1 → messaging
            let counters = try? await RPCClient.withClient(endpoint, curve: try suite.curve(to: service)) {
                try await $0.call(RPCMethod.stats, EmptyBody(), timeout: .seconds(5)).counters
            }
            if let n = counters?["rpc_refused_busy"], n > 0 { out[instance] = n }
        }
        return out
    }

    /// Shops, their couriers and each shop's webhook, created as the operator and the shops would.
    func setUp(_ city: PeakCity, suite: BenchSuite, hook: String, secret: String) async throws {
        let admin = try suite.adminToken()
        let events = [OrderState.confirmed, .outForDelivery, .delivered].map { "\"\($0.eventType)\"" }.joined(separator: ",")
        try await Self.parallel(city.shops, width: 16) { s in
            let shop =
                #"{"id":"\#(PeakPlan.shopId(s))","name":"Peak Flowers \#(s)","address":"\#(s) Rose St","lat":31.2,"lon":121.4,"timeZone":"Asia/Shanghai"}"#
            let (status, body) = try await suite.send("POST", "/v1/shops", admin, Data(shop.utf8))
            guard status == 201 else { throw PeakError("shop \(s): \(status) \(String(decoding: body.prefix(200), as: UTF8.self))") }
            let staff = try suite.signer.mint(sub: PeakPlan.staffId(s, 0), role: .staff, shop: PeakPlan.shopId(s), ttl: 3600)
            let webhook = #"{"url":"\#(hook)","events":[\#(events)],"secret":"\#(secret)"}"#
            guard try await suite.send("POST", "/v1/webhooks", staff, Data(webhook.utf8)).0 == 201 else {
                throw PeakError("could not register shop \(s)'s webhook")
            }
        }
        let couriers = (0..<city.shops).flatMap { s in (0..<city.couriers(of: s)).map { (s, $0) } }
        try await Self.parallel(couriers.count, width: 16) { i in
            let (s, n) = couriers[i]
            let body = #"{"id":"\#(PeakPlan.courierId(s, n))","name":"Courier \#(n)","phone":"+86 1","vehicle":"ebike"}"#
            let (status, answer) = try await suite.send("POST", "/v1/shops/\(PeakPlan.shopId(s))/couriers", admin, Data(body.utf8))
            guard status == 201 else {
                throw PeakError("courier \(n) of shop \(s): \(status) \(String(decoding: answer.prefix(200), as: UTF8.self))")
            }
        }
        // posy-location learns couriers from the orders' events: the last one known, all are.
        guard let (s, n) = couriers.last else { return }
        let token = try suite.signer.mint(sub: PeakPlan.courierId(s, n), role: .courier, shop: PeakPlan.shopId(s), ttl: 3600)
        let fix = Data(#"{"positions":[{"lat":31.2,"lon":121.4,"accuracy":5,"at":"\#(Timestamp.now())"}]}"#.utf8)
        let deadline = ContinuousClock.now + .seconds(60)
        while try await suite.send("POST", "/v1/locations", token, fix).0 != 200 {
            guard ContinuousClock.now < deadline else { throw PeakError("posy-location never learnt the couriers") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Runs `body` over `0..<count`, `width` at a time.
    static func parallel(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<count {
                if i >= width { try await group.next() }
                group.addTask { try await body(i) }
            }
            try await group.waitForAll()
        }
    }

    /// Process names for the report: the executable, numbered where it runs more than once.
    static func names(_ processes: [(String, Int32)]) -> [String: Int32] {
        var out: [String: Int32] = [:]
        for (exe, pid) in processes {
            let count = processes.filter { $0.0 == exe }.count
            let n = processes.prefix { $0.1 != pid }.filter { $0.0 == exe }.count + 1
            out[count > 1 ? "\(exe)-\(n)" : exe] = pid
        }
        return out
    }

    /// A line of progress, on the terminal at once (stdout is buffered when it is a file or a pipe).
    static func progress(_ line: String) {
        print(line)
        fflush(nil)  // every output stream: stdout itself is not concurrency-safe to name
    }

    /// How many ephemeral ports a client address has towards one server address.
    static func ephemeralPorts() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        return bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 28_232
    }

    /// The machine's 1-minute load average before the run.
    static func loadAverage() -> Double {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return Double(text.split(separator: " ").first ?? "") ?? 0
    }
}
