import ArgumentParser
import Foundation
import Histogram
import Logging
import PosyCLI
import PosyCore
import PosySchema
import PosyZMQ
import ServiceLifecycle

/// `posy bench bus`: durable events end to end (emit in the producer's transaction → the
/// subscriber's commit) next to raw ZeroMQ PUB/SUB through the same XSUB/XPUB forwarder, in one
/// run on this machine: throughput, and latency percentiles at a fixed rate.
public struct BusBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "bus", abstract: "Benchmark the event bus.")

    @Option(name: .customLong("count"), help: "Events in each throughput run.") var count = 100_000
    @Option(name: .customLong("rate"), help: "Events per second in the latency runs.") var rate = 10_000
    @Option(name: .customLong("seconds"), help: "Length of each latency run.") var seconds = 5.0
    @Option(name: .customLong("producers"), help: "Concurrent producers (each write emits --batch events).") var producers = 64
    @Option(name: .customLong("batch"), help: "Events per producer write.") var batch = 1
    @Option(name: .customLong("payload"), help: "Payload bytes.") var payload = 100
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false
    @Flag(name: .customLong("insecure-bus"), help: "Only the runs without CURVE (by default both, and their ratio).")
    var insecureOnly = false
    @Flag(
        name: .customLong("unbatched"),
        help: "The producer sends every event as a message of its own, as to a bus that does not split batches.")
    var unbatched = false
    @Option(
        name: .customLong("rounds"),
        help: "Rounds of all the runs, one after the other; with more than one, the medians of each run over the rounds follow.")
    var rounds = 1

    public init() {}

    public func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be 1 or more") }
    }

    public struct Result: Codable, Sendable {
        public var name: String
        public var events: Int
        public var eventsPerSecond: Double
        public var p50Ms: Double?
        public var p99Ms: Double?
        public var p999Ms: Double?
        public var maxMs: Double?
        public var lost: Int
        /// This process's CPU per event delivered, in µs: producers, forwarder and subscriber together.
        public var cpuUsPerEvent: Double?
        /// Cores this process used on average during the run.
        public var benchCores: Double?
        /// The share of all the machine's cores busy during the run, whoever ran on them.
        public var machineBusy: Double?
        /// Which of `--rounds` it was, from 1.
        public var round = 1
    }

    public func run() async throws {
        let arenas = Allocator.tune()
        PosyLogHandler.bootstrap(level: .warning)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("posy-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // CURVE first (the default), then the same runs without it, for the ratio. Rounds repeat the
        // pair, so that the two halves of a ratio meet the machine in more than one of its moods.
        var byRound: [[Result]] = []
        for round in 1...rounds {
            var results: [Result] = []
            for secure in insecureOnly ? [false] : [true, false] {
                let runDir = (dir as NSString).appendingPathComponent("\(round)-\(secure ? "curve" : "insecure")")
                results += try await runs(secure: secure, dir: runDir).map {
                    var r = $0
                    r.round = round
                    return r
                }
            }
            byRound.append(results)
        }
        let results = byRound.flatMap { $0 }
        if json {
            print(String(decoding: try JSON.encode(results), as: UTF8.self))
        } else {
            func ms(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
            func fixed(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
            var rows = [
                [
                    "RUN", "EVENTS", "EVENTS/S", "P50 ms", "P99 ms", "P99.9 ms", "MAX ms", "LOST", "CPU µs/EVENT", "BENCH CORES",
                    "MACHINE BUSY",
                ]
            ]
            for r in results {
                rows.append([
                    rounds > 1 ? "\(r.round): \(r.name)" : r.name, "\(r.events)", String(format: "%.0f", r.eventsPerSecond), ms(r.p50Ms),
                    ms(r.p99Ms),
                    ms(r.p999Ms), ms(r.maxMs), "\(r.lost)", fixed(r.cpuUsPerEvent, "%.1f"), fixed(r.benchCores, "%.2f"),
                    fixed(r.machineBusy.map { $0 * 100 }, "%.0f %%"),
                ])
            }
            print(TextTable.render(rows))
            let cores = ProcessInfo.processInfo.activeProcessorCount
            for r in results where r.name.hasSuffix(", max rate (\(producers) producers × \(batch))") {
                if let line = BusRunCost.limit(of: r, cores: cores) { print((rounds > 1 ? "\(r.round): " : "") + line) }
            }
            let one = byRound[0]
            let first = one.count == 8 ? 4 : 0  // the insecure runs
            print(
                "durable throughput is \(String(format: "%.2f", one[first + 2].eventsPerSecond / max(1, one[first].eventsPerSecond)))x raw ZeroMQ; payload \(payload) B, \(ProcessInfo.processInfo.activeProcessorCount) cores, malloc arenas: \(arenas.map(String.init) ?? "glibc default")"
            )
            for results in byRound where results.count == 8 {
                print((rounds > 1 ? "round \(results[0].round): " : "") + Self.ratios(results, rate: rate))
            }
            if rounds > 1 {
                // Each run's median over the rounds, in the first round's order, and the ratios of those.
                let medians = one.indices.map { i in
                    var m = one[i]
                    m.eventsPerSecond = Self.median(byRound.map { $0[i].eventsPerSecond }) ?? 0
                    m.p99Ms = Self.median(byRound.compactMap { $0[i].p99Ms })
                    m.cpuUsPerEvent = Self.median(byRound.compactMap { $0[i].cpuUsPerEvent })
                    return m
                }
                for m in medians where m.name.contains("durable") {
                    print(
                        "median of \(rounds) rounds, \(m.name): \(String(format: "%.0f", m.eventsPerSecond)) events/s, p99 \(m.p99Ms.map { String(format: "%.3f", $0) } ?? "-") ms, \(m.cpuUsPerEvent.map { String(format: "%.1f", $0) } ?? "-") µs of CPU per event"
                    )
                }
                if medians.count == 8 { print("medians of \(rounds) rounds: " + Self.ratios(medians, rate: rate)) }
            }
        }
    }

    /// CURVE against insecure, from the eight runs of one round in their order.
    static func ratios(_ r: [Result], rate: Int) -> String {
        "CURVE / insecure: durable throughput \(String(format: "%.2f", r[2].eventsPerSecond / max(1, r[6].eventsPerSecond)))x, durable p99 at \(rate)/s \(String(format: "%.2f", (r[3].p99Ms ?? 0) / max(0.001, r[7].p99Ms ?? 0)))x, raw throughput \(String(format: "%.2f", r[0].eventsPerSecond / max(1, r[4].eventsPerSecond)))x"
    }

    /// The middle value (the mean of the two middle ones for an even count); nil for none.
    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The four runs (raw and durable, throughput and latency) through a forwarder in this process,
    /// with CURVE (keys made in `dir`, the forwarder admitting them) or without.
    func runs(secure: Bool, dir: String) async throws -> [Result] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let keysDir = (dir as NSString).appendingPathComponent("keys")
        var busSecurity = BusSecurity.insecure
        var benchSecurity = BusSecurity.insecure
        var authenticator: ZMQAuthenticator?
        if secure {
            try SuiteKeyring.create(directory: keysDir, identities: [ServiceName.bus, "bench"])
            // The benchmark's own identity reads what its subscribers take, no more ("Who may read what").
            try SuiteKeyring.grant(directory: keysDir, identity: "bench", read: ["bench.", "sys."])
            busSecurity = BusSecurity(keyring: try SuiteKeyring.load(directory: keysDir, identity: ServiceName.bus))
            benchSecurity = BusSecurity(keyring: try SuiteKeyring.load(directory: keysDir, identity: "bench"))
            authenticator = try await ZMQAuthenticator.bind(keys: try SuiteKeyring.publicKeys(directory: keysDir))
        }
        let answering = Task { [authenticator] in await authenticator?.run() }
        var o = ZMQSocketOptions()
        o.sendHighWaterMark = 1_000_000
        o.receiveHighWaterMark = 1_000_000
        o.curve = busSecurity.server
        // Raw frames are not envelopes: their forwarder has no gate. The durable runs go through a
        // forwarder with posy-bus's own gate when secure, so its cost is in the figures.
        let options = o
        func forwarder(gated: Bool) async throws -> ZMQProxy {
            let gate = BusGate(security: busSecurity, logger: Logger(label: "bench.gate"))
            return try await ZMQProxy.start(
                frontend: .xsub, bind: ["tcp://127.0.0.1:*"], options: options,
                backend: .xpub, bind: ["tcp://127.0.0.1:*"], options: options,
                filter: gated ? gate.admits : nil, subscriptionFilter: gated ? gate.mayRead : nil, splitsBatches: true)
        }
        let mode = secure ? "curve" : "insecure"
        var results: [Result] = []
        let rawProxy = try await forwarder(gated: false)
        let raw = RawBench(
            front: rawProxy.frontendEndpoints[0], back: rawProxy.backendEndpoints[0], payload: payload,
            curve: try benchSecurity.client(of: ServiceName.bus))
        results.append(try await raw.throughput(count: count))
        results.append(try await raw.latency(rate: rate, seconds: seconds))
        await rawProxy.terminate()
        let proxy = try await forwarder(gated: secure)
        let durable = try await DurableBench.start(
            front: proxy.frontendEndpoints[0], back: proxy.backendEndpoints[0], dir: dir, keysDir: secure ? keysDir : nil,
            payload: payload, batches: !unbatched)
        results.append(try await durable.throughput(count: count, producers: producers, batch: batch))
        results.append(try await durable.latency(rate: rate, seconds: seconds))
        await durable.stop()
        let refused = proxy.statistics.frontendMessagesRefused
        await proxy.terminate()
        if refused > 0 { throw ValidationError("the bus's gate refused \(refused) of the benchmark's own messages") }
        await authenticator?.close()
        answering.cancel()
        return results.map { r in
            var r = r
            r.name = "\(mode) \(r.name)"
            return r
        }
    }
}

/// Latency recorder shared by the runs (microsecond resolution).
final class LatencyRecorder: Sendable {
    private let histogram = Locked(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))
    private let received = Locked(0)

    func record(sentNanos: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        let micros = now > sentNanos ? (now - sentNanos) / 1000 : 0
        histogram.withLock { _ = $0.record(max(1, micros)) }
        received.withLock { $0 += 1 }
    }

    var count: Int { received.value }

    func percentiles() -> (Double, Double, Double, Double) {
        let h = histogram.value
        return (
            Double(h.valueAtPercentile(50)) / 1000, Double(h.valueAtPercentile(99)) / 1000,
            Double(h.valueAtPercentile(99.9)) / 1000, Double(h.max) / 1000
        )
    }
}

/// Raw PUB → XSUB/XPUB → SUB with the same payload size; the baseline.
struct RawBench {
    let front: String
    let back: String
    let payload: Int
    let curve: ZMQCurve?

    func frames(_ i: Int) -> [Data] {
        var d = Data(count: max(16, payload))
        let t = DispatchTime.now().uptimeNanoseconds
        d.withUnsafeMutableBytes { $0.storeBytes(of: t, as: UInt64.self) }
        return [Data("raw.t\(i % 4)".utf8), d]
    }

    func connect() async throws -> (ZMQSocket, ZMQSocket) {
        var po = ZMQSocketOptions()
        po.sendHighWaterMark = 1_000_000
        po.curve = curve
        var so = ZMQSocketOptions()
        so.curve = curve
        so.receiveHighWaterMark = 1_000_000
        so.inboxCapacity = 100_000
        so.subscriptions = ["raw."]
        let pub = try await ZMQSocket.open(.pub, connect: [front], options: po, name: "bench-pub")
        let sub = try await ZMQSocket.open(.sub, connect: [back], options: so, name: "bench-sub")
        // Wait for the subscription to reach the publisher (slow joiner).
        while true {
            pub.post([[Data("raw.warmup".utf8), Data(count: 16)]])
            if await nextWithin(sub, .milliseconds(100)) != nil { break }
        }
        try await Task.sleep(for: .milliseconds(200))
        while await nextWithin(sub, .milliseconds(50)) != nil {}
        return (pub, sub)
    }

    /// The next batch, or nil after `d` without one. Both children are awaited: a batch the inbox
    /// handed over just as the timer won is kept, not dropped (a cancelled inbox wait keeps its messages).
    func nextWithin(_ sub: ZMQSocket, _ d: Duration) async -> [[Data]]? {
        await withTaskGroup(of: [[Data]]?.self) { g in
            g.addTask { await sub.inbox.next(max: 10_000) }
            g.addTask {
                try? await Task.sleep(for: d)
                return nil
            }
            var got: [[Data]]?
            for await batch in g {
                g.cancelAll()
                if let batch { got = (got ?? []) + batch }
            }
            return got
        }
    }

    func throughput(count: Int) async throws -> BusBenchCommand.Result {
        let (pub, sub) = try await connect()
        let start = ContinuousClock.now
        let cost = BusRunCost()
        let sender = Task {
            var i = 0
            while i < count {
                let n = min(1_000, count - i)
                pub.post((i..<(i + n)).map(frames))
                i += n
                await Task.yield()
            }
        }
        var received = 0
        var last = start
        while received < count, let batch = await nextWithin(sub, .seconds(2)) {
            received += batch.count
            last = .now
        }
        await sender.value
        let elapsed = (last - start).seconds
        var result = BusBenchCommand.Result(
            name: "raw zmq pub/sub, max rate", events: received, eventsPerSecond: Double(received) / elapsed,
            lost: count - received)
        cost.finish(&result)
        await pub.close()
        await sub.close()
        return result
    }

    func latency(rate: Int, seconds: Double) async throws -> BusBenchCommand.Result {
        let (pub, sub) = try await connect()
        let cost = BusRunCost()
        let recorder = LatencyRecorder()
        let total = Int(Double(rate) * seconds)
        let receiver = Task {
            var n = 0
            while n < total, let batch = await nextWithin(sub, .seconds(2)) {
                for m in batch where m.count == 2 {
                    recorder.record(sentNanos: m[1].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
                }
                n += batch.count
            }
        }
        try await Pacer.run(total: total, rate: rate) { i, n in pub.post((i..<(i + n)).map(frames)) }
        await receiver.value
        let (p50, p99, p999, mx) = recorder.percentiles()
        var result = BusBenchCommand.Result(
            name: "raw zmq pub/sub at \(rate)/s", events: recorder.count, eventsPerSecond: Double(rate),
            p50Ms: p50, p99Ms: p99, p999Ms: p999, maxMs: mx, lost: total - recorder.count)
        cost.finish(&result)
        await pub.close()
        await sub.close()
        return result
    }
}

/// Emits `total` items at `rate` per second in 1 ms ticks.
enum Pacer {
    static func run(total: Int, rate: Int, _ emit: (Int, Int) async throws -> Void) async throws {
        let start = ContinuousClock.now
        var sent = 0
        while sent < total {
            let due = Int((ContinuousClock.now - start).seconds * Double(rate)) + 1
            let n = min(total, due) - sent
            if n > 0 {
                try await emit(sent, n)
                sent += n
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// Two full Posy peers in this process: a producer with an outbox and a subscriber with cursors,
/// each with its own SQLite store, meeting at the forwarder over TCP.
struct DurableBench {
    let producer: ServiceHost
    let sink: ServiceHost
    let producerRun: Task<Void, any Error>
    let sinkRun: Task<Void, any Error>
    let recorder: Locked<LatencyRecorder>
    let applied: Locked<Int>

    static func start(
        front: String, back: String, dir: String, keysDir: String?, payload: Int, batches: Bool
    ) async throws
        -> DurableBench
    {
        var o = ServiceConfig()
        o.keysDir = keysDir
        o.insecureBus = keysDir == nil
        o.busPub = front
        o.busSub = back
        o.dataDir = dir
        o.rpc = "tcp://127.0.0.1:*"
        o.logLevel = .warning
        // The forwarder splits batches as posy-bus does, and has no heartbeat to say so.
        var pd = ServiceDescriptor(service: "bench", instance: "bench-producer", defaultRPCPort: 0, migrations: [], answersProbes: false)
        pd.batchesToBus = batches
        let producer = try await ServiceHost.make(pd, config: o)
        var sd = ServiceDescriptor(
            service: "bench", instance: "bench-sink", defaultRPCPort: 0, migrations: SinkCommand.migrations,
            answersProbes: false)
        sd.inboxCapacity = 50_000
        sd.receiveHighWaterMark = 1_000_000
        let sink = try await ServiceHost.make(sd, config: o)
        let recorder = Locked(LatencyRecorder())
        let applied = Locked(0)
        sink.on("bench.") { db, e in
            let n = PayloadScanner.int("n", in: e.data) ?? -1
            let t = UInt64(PayloadScanner.int("t", in: e.data) ?? 0)
            try db.run("INSERT INTO effects(src, topic, seq, n) VALUES (?, ?, ?, ?)", e.src, e.type, e.seq, n)
            db.onCommit {
                recorder.value.record(sentNanos: t)
                applied.withLock { $0 += 1 }
            }
        }
        let producerServices = try await producer.services()
        let sinkServices = try await sink.services()
        let producerRun = Task { try await ServiceGroup(configuration: .init(services: producerServices, logger: producer.logger)).run() }
        let sinkRun = Task { try await ServiceGroup(configuration: .init(services: sinkServices, logger: sink.logger)).run() }
        guard await sink.waitForBus(timeout: .seconds(10)), await producer.waitForBus(timeout: .seconds(10)) else {
            throw ValidationError("bench peers could not reach the forwarder")
        }
        try await Task.sleep(for: .milliseconds(300))
        return DurableBench(
            producer: producer, sink: sink, producerRun: producerRun, sinkRun: sinkRun,
            recorder: recorder, applied: applied)
    }

    func payload(_ i: Int, _ pad: String) -> Data {
        Data(#"{"n":\#(i),"t":\#(DispatchTime.now().uptimeNanoseconds),"pad":"\#(pad)"}"#.utf8)
    }

    func waitApplied(_ target: Int, stallLimit: Duration = .seconds(10)) async -> ContinuousClock.Instant {
        var last = applied.value
        var lastChange = ContinuousClock.now
        while applied.value < target {
            try? await Task.sleep(for: .milliseconds(2))
            let now = applied.value
            if now != last {
                last = now
                lastChange = .now
            } else if ContinuousClock.now - lastChange > stallLimit {
                break
            }
        }
        return .now
    }

    func throughput(count: Int, producers: Int, batch: Int) async throws -> BusBenchCommand.Result {
        guard let store = producer.store, let events = producer.events else {
            return .init(name: "", events: 0, eventsPerSecond: 0, lost: 0)
        }
        recorder.withLock { $0 = LatencyRecorder() }
        let base = applied.value
        let pad = String(repeating: "x", count: 60)
        let before = store.statistics
        let sinkBefore = sink.store!.statistics
        let (batchesBefore, batchedBefore) = (producer.publisher.batchesSent, producer.publisher.eventsSentInBatches)
        let start = ContinuousClock.now
        let cost = BusRunCost()
        let next = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<producers {
                group.addTask {
                    while true {
                        let first = next.withLock { v -> Int in
                            let f = v
                            v += batch
                            return f
                        }
                        if first >= count { return }
                        let n = min(batch, count - first)
                        try await store.write { db in
                            for i in first..<(first + n) {
                                try events.emit(db, topic: "bench.t\(i % 4)", data: payload(i, pad))
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let committed = ContinuousClock.now
        let end = await waitApplied(base + count)
        let got = applied.value - base
        let (p50, p99, p999, mx) = recorder.value.percentiles()
        let after = store.statistics
        let transactions = after["store_transactions"]! - before["store_transactions"]!
        let writes = after["store_write_jobs"]! - before["store_write_jobs"]!
        FileHandle.standardError.write(
            Data(
                ("producer committed \(count) events at \(Int(Double(count) / (committed - start).seconds))/s"
                    + " in \(transactions) transactions (\(String(format: "%.1f", Double(writes) / Double(max(1, transactions)))) writes each);"
                    + " \(producer.publisher.eventsSentInBatches - batchedBefore) of them left in"
                    + " \(producer.publisher.batchesSent - batchesBefore) batches to the bus;"
                    + " subscriber applied them in \(sink.store!.statistics["store_transactions"]! - sinkBefore["store_transactions"]!) transactions\n")
                    .utf8))
        var result = BusBenchCommand.Result(
            name: "durable, max rate (\(producers) producers × \(batch))", events: got,
            eventsPerSecond: Double(got) / (end - start).seconds, p50Ms: p50, p99Ms: p99, p999Ms: p999, maxMs: mx,
            lost: count - got)
        cost.finish(&result)
        return result
    }

    func latency(rate: Int, seconds: Double) async throws -> BusBenchCommand.Result {
        guard let store = producer.store, let events = producer.events else {
            return .init(name: "", events: 0, eventsPerSecond: 0, lost: 0)
        }
        try await Task.sleep(for: .milliseconds(300))
        recorder.withLock { $0 = LatencyRecorder() }
        let base = applied.value
        let total = Int(Double(rate) * seconds)
        let pad = String(repeating: "x", count: 60)
        let cost = BusRunCost()
        try await Pacer.run(total: total, rate: rate) { first, n in
            // Each tick's events are separate writes, as independent requests would be.
            try await withThrowingTaskGroup(of: Void.self) { g in
                for i in first..<(first + n) {
                    g.addTask { () async throws -> Void in
                        try await store.write { db in _ = try events.emit(db, topic: "bench.t\(i % 4)", data: payload(i, pad)) }
                    }
                }
                try await g.waitForAll()
            }
        }
        _ = await waitApplied(base + total)
        let got = applied.value - base
        let (p50, p99, p999, mx) = recorder.value.percentiles()
        var result = BusBenchCommand.Result(
            name: "durable at \(rate)/s", events: got, eventsPerSecond: Double(rate), p50Ms: p50, p99Ms: p99,
            p999Ms: p999, maxMs: mx, lost: total - got)
        cost.finish(&result)
        return result
    }

    func stop() async {
        producerRun.cancel()
        sinkRun.cancel()
        _ = try? await producerRun.value
        _ = try? await sinkRun.value
    }
}
