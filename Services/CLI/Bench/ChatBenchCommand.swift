import ArgumentParser
import Foundation
import Histogram
import PosyCLI
import PosyCore
import PosySchema
import Synchronization

/// `posy bench chat`: N order conversations, each with its customer, its courier and the shop on real
/// WebSocket connections through the gateway, run with 1 and with 2 messaging shards. Measures the
/// sustained rate of persisted (acked) messages, and at a fixed rate the latency from a customer's
/// send to the push on every other device of the conversation (courier and shop).
public struct ChatBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Benchmark chat: messages/s per shard and push latency.")

    @Option(name: .customLong("conversations"), help: "Order conversations (each: customer + courier connection; one shop connection).")
    var conversations = 100
    @Option(name: .customLong("seconds"), help: "Length of each phase.") var seconds = 5.0
    @Option(name: .customLong("window"), help: "Unacknowledged sends per customer in the throughput phase.") var window = 16
    @Option(name: .customLong("rate"), help: "Messages per second in the latency phase.") var rate = 2_000
    @Option(name: .customLong("shards"), help: "Shard counts to run with, e.g. 1,2.") var shards = "1,2"
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("threads"), help: "Also print each thread's wake-ups and CPU per message in the paced phase.")
    var threads = false

    public init() {}

    public func validate() throws {
        guard conversations >= 1, seconds > 0, window >= 1, rate >= 1 else { throw ValidationError("all figures must be positive") }
        guard !shardCounts.isEmpty, shardCounts.allSatisfy({ (1...9).contains($0) }) else { throw ValidationError("--shards: e.g. 1,2") }
    }

    var shardCounts: [Int] { shards.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    struct Result {
        var shards: Int
        var acked: Int
        var perSecond: Double
        var sent: Int
        var pushes: Int
        var p50, p99, max: Double
        /// CPU milliseconds per acked message in the throughput phase: all shards together, the gateway.
        var shardCPU, gatewayCPU: Double?
        /// CPU milliseconds per message of every process of the suite in the paced phase (bus, orders,
        /// shards, gateway; their idle heartbeats included), and by executable.
        var pacedCPU: Double?
        var pacedCPUByProcess: [String: Double] = [:]
        /// Thread wake-ups (voluntary context switches) per message in the paced phase, by executable.
        var pacedWakeUpsByProcess: [String: Double] = [:]
        /// With `--threads`: wake-ups and CPU ms per message in the paced phase, by executable and thread name.
        var pacedByThread: [(process: String, thread: String, wakeUps: Double, cpuMs: Double)] = []
        /// The throughput phase's cores: this process's clients, the suite's processes, and the share of
        /// all the machine's cores busy (docs/performance.md, "What limits a run").
        var clientCores, suiteCores, machineBusy: Double?
    }

    public func run() async throws {
        Allocator.tune()
        var results: [Result] = []
        for k in shardCounts { results.append(try await measure(shards: k)) }
        var rows = [
            [
                "SHARDS", "ACKED MSGS", "MSGS/S", "MSGS/S PER SHARD", "SHARD CPU ms/msg", "GATEWAY CPU ms/msg", "LATENCY AT",
                "PUSHES", "P50 ms", "P99 ms", "MAX ms", "SUITE CPU ms/msg AT RATE",
            ]
        ]
        let ms = { (v: Double?) in v.map { String(format: "%.3f", $0) } ?? "-" }
        for r in results {
            rows.append([
                "\(r.shards)", "\(r.acked)", String(format: "%.0f", r.perSecond), String(format: "%.0f", r.perSecond / Double(r.shards)),
                ms(r.shardCPU), ms(r.gatewayCPU),
                "\(rate)/s × \(Int(seconds)) s", "\(r.pushes)/\(r.sent * 2)", String(format: "%.2f", r.p50),
                String(format: "%.2f", r.p99), String(format: "%.2f", r.max), ms(r.pacedCPU),
            ])
        }
        print(TextTable.render(rows))
        print("\(conversations) conversations: \(conversations * 2 + 1) WebSocket connections (a customer and a courier each, one shop")
        print(
            "device), all clients on this same \(ProcessInfo.processInfo.activeProcessorCount)-core machine. MSGS/S: sends acked (stored) per"
        )
        print("second with \(window) unacknowledged per customer. Latency: send → msg.new on the courier's and the shop's device.")
        print("SHARD CPU: CPU time of all messaging shards per acked message (1000 / it = what one shard could store on a")
        print("core of its own, an estimate); GATEWAY CPU likewise for posy-gateway (frames, RPC, push fan-out to 3 devices).")
        print("SUITE CPU AT RATE: CPU time of every process of the suite per message sent in the latency phase (--rate);")
        print("thread wake-ups: the times its threads slept and were woken (voluntary context switches), steadier than CPU time.")
        for r in results where !r.pacedCPUByProcess.isEmpty {
            let parts = r.pacedCPUByProcess.sorted { $0.value > $1.value }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }
            print("  \(r.shards) shard(s), ms/msg at \(rate)/s by process: " + parts.joined(separator: ", "))
            let wakes = r.pacedWakeUpsByProcess.sorted { $0.value > $1.value }.map { "\($0.key) \(String(format: "%.1f", $0.value))" }
            print("  \(r.shards) shard(s), thread wake-ups per message at \(rate)/s by process: " + wakes.joined(separator: ", "))
        }
        for r in results where threads {
            // Threads of one name (a task pool's) are summed, and so are the processes of one executable.
            var table = [["PROCESS", "THREAD", "WAKE-UPS/MSG", "CPU ms/MSG"]]
            for t in r.pacedByThread where t.wakeUps >= 0.05 || t.cpuMs >= 0.005 {
                table.append([t.process, t.thread, String(format: "%.2f", t.wakeUps), String(format: "%.3f", t.cpuMs)])
            }
            print("\(r.shards) shard(s), by thread at \(rate)/s (CPU from the kernel's ticks: coarse over a short phase):")
            print(TextTable.render(table))
        }
        for r in results {
            guard let clients = r.clientCores, let suite = r.suiteCores, let busy = r.machineBusy else { continue }
            let cores = String(format: "the clients on %.2f cores, the suite on %.2f, the machine %.0f %% busy", clients, suite, busy * 100)
            let limit =
                busy >= MachineCPU.cpuBound
                ? "bound by the machine's CPU, which the clients share (\(String(format: "%.0f", clients / max(0.01, clients + suite) * 100)) % of what both used)"
                : "not bound by CPU: by the window of \(window) sends in flight per customer and the hand-offs"
            print("  \(r.shards) shard(s), throughput phase: \(cores) — \(limit)")
        }
    }

    func measure(shards k: Int) async throws -> Result {
        let list = (1...k).map(String.init).joined(separator: ",")
        let suite = try await BenchSuite.start(
            "chat", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders --messaging-shards \(list)"] + (1...k).map { "posy-messaging --shard \($0)" })
        defer { suite.stop() }
        let port = Int(suite.base.split(separator: ":").last!)!
        let staff = try suite.staffToken()
        let n = conversations
        var ids: [String] = []
        for i in 0..<n {
            let courier = #"{"id":"k\#(i)","name":"Courier \#(i)","phone":"+86 1","vehicle":"ebike"}"#
            guard try await suite.send("POST", "/v1/shops/s1/couriers", try suite.adminToken(), Data(courier.utf8)).0 == 201 else {
                throw ValidationError("could not create courier k\(i)")
            }
            let order = String(decoding: BenchSuite.order, as: UTF8.self).replacingOccurrences(of: #""id":"c1""#, with: #""id":"c\#(i)""#)
            let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
            guard status == 201, let o = try JSONSerialization.jsonObject(with: body) as? [String: Any], let id = o["id"] as? String,
                let conversation = o["conversationId"] as? String
            else { throw ValidationError("could not create order \(i): \(status)") }
            let courierToken = try suite.signer.mint(sub: "k\(i)", role: .courier, shop: "s1", ttl: 3600)
            _ = try await suite.send("POST", "/v1/orders/\(id)/confirm", staff, Data("{}".utf8))
            _ = try await suite.send("POST", "/v1/orders/\(id)/assign", staff, Data(#"{"courierId":"k\#(i)"}"#.utf8))
            _ = try await suite.send("POST", "/v1/orders/\(id)/accept", courierToken, Data("{}".utf8))
            ids.append(conversation)
        }
        let customers = try (0..<n).map { try suite.signer.mint(sub: "c\($0)", role: .customer, ttl: 3600) }
        for (i, id) in ids.enumerated() {  // the courier is in once the shard applied the acceptance
            let courierToken = try suite.signer.mint(sub: "k\(i)", role: .courier, shop: "s1", ttl: 3600)
            let deadline = Date().addingTimeInterval(30)
            while try await suite.send("GET", "/v1/conversations/\(id)", courierToken, nil).0 != 200 {
                guard Date() < deadline else { throw ValidationError("conversation \(id) never opened for its courier") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        let probe = Probe()
        let acks = (0..<n).map { _ in AsyncStream.makeStream(of: Bool.self) }
        let customerClients = (0..<n).map { i in
            BenchChatClient(port: port, token: customers[i]) { text in
                if text.hasPrefix(#"{"type":"\#(StreamFrameType.reply)""#) { acks[i].1.yield(text.contains(#""ok":true"#)) }
            }
        }
        let receivers =
            try (0..<n).map { i in
                BenchChatClient(port: port, token: try suite.signer.mint(sub: "k\(i)", role: .courier, shop: "s1", ttl: 3600)) {
                    probe.received($0)
                }
            } + [BenchChatClient(port: port, token: staff) { probe.received($0) }]
        for c in customerClients + receivers { for await _ in c.ready { break } }

        // Throughput: every customer keeps `window` sends in flight.
        let shardPids = suite.pids("posy-messaging")
        let gatewayPids = suite.pids("posy-gateway")
        let cpu0 = (ProcessCPU.total(shardPids), ProcessCPU.total(gatewayPids))
        let phase0 = (ProcessCPU.seconds(), ProcessCPU.total(suite.pids), MachineCPU.now())
        let acked = Atomic<Int>(0)
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        await withTaskGroup(of: Int.self) { group in
            for i in 0..<n {
                let (client, stream, conversation, window) = (customerClients[i], acks[i].0, ids[i], window)
                group.addTask {
                    var ok = 0
                    var iterator = stream.makeAsyncIterator()
                    var m = 0
                    while ContinuousClock.now < end {
                        for _ in 0..<window {
                            m += 1
                            try? await client.send(Self.frame(conversation, id: "t\(i)-\(m)"))
                        }
                        for _ in 0..<window { if await iterator.next() == true { ok += 1 } }
                    }
                    return ok
                }
            }
            for await ok in group { acked.add(ok, ordering: .relaxed) }
        }
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu1 = (ProcessCPU.total(shardPids), ProcessCPU.total(gatewayPids))
        let phase1 = (ProcessCPU.seconds(), ProcessCPU.total(suite.pids), MachineCPU.now())
        let cores = { (a: Double?, b: Double?) in a.flatMap { a in b.map { ($0 - a) / elapsed } } }
        let count = max(1, acked.load(ordering: .relaxed))
        let perMessage = { (a: Double?, b: Double?) in a.flatMap { a in b.map { ($0 - a) * 1000 / Double(count) } } }
        try await Task.sleep(for: .seconds(1))  // let the pushes of the throughput phase drain

        // Latency at a fixed rate, round-robin over the conversations.
        probe.recording.store(true, ordering: .releasing)
        let total = Int(Double(rate) * seconds)
        let suiteCPU0 = ProcessCPU.total(suite.pids)
        let byProcess0 = suite.processes.map { ($0.0, $0.1.processIdentifier, ProcessCPU.seconds($0.1.processIdentifier)) }
        let wakeUps0 = suite.processes.map { ($0.0, $0.1.processIdentifier, ProcessCPU.wakeUps($0.1.processIdentifier)) }
        let threads0 = threads ? suite.processes.map { ($0.0, ThreadSample.all(of: $0.1.processIdentifier)) } : []
        let paceStart = ContinuousClock.now
        for m in 0..<total {
            let due = paceStart + .seconds(Double(m) / Double(rate))
            if due > .now { try await Task.sleep(until: due) }
            let i = m % n
            let id = "l\(m)"
            probe.sent(id)
            try? await customerClients[i].send(Self.frame(ids[i], id: id))
        }
        try await Task.sleep(for: .milliseconds(500))  // the last pushes delivered
        let suiteCPU1 = ProcessCPU.total(suite.pids)
        var byProcess: [String: Double] = [:]
        for (exe, pid, before) in byProcess0 {
            guard let before, let after = ProcessCPU.seconds(pid) else { continue }
            byProcess[exe, default: 0] += (after - before) * 1000 / Double(max(total, 1))
        }
        var wakeUpsByProcess: [String: Double] = [:]
        for (exe, pid, before) in wakeUps0 {
            guard let before, let after = ProcessCPU.wakeUps(pid) else { continue }
            wakeUpsByProcess[exe, default: 0] += Double(after - before) / Double(max(total, 1))
        }
        var byThread: [ThreadKey: (wakeUps: Int, cpuSeconds: Double)] = [:]
        for ((exe, before), process) in zip(threads0, suite.processes) {
            for (name, change) in ThreadSample.change(from: before, to: ThreadSample.all(of: process.1.processIdentifier)) {
                let sum = byThread[ThreadKey(process: exe, thread: name)] ?? (0, 0)
                byThread[ThreadKey(process: exe, thread: name)] = (sum.wakeUps + change.wakeUps, sum.cpuSeconds + change.cpuSeconds)
            }
        }
        let pacedByThread = byThread.map { key, v in
            (
                process: key.process, thread: key.thread, wakeUps: Double(v.wakeUps) / Double(max(total, 1)),
                cpuMs: v.cpuSeconds * 1000 / Double(max(total, 1))
            )
        }.sorted { $0.wakeUps > $1.wakeUps }
        try await Task.sleep(for: .milliseconds(1_500))
        for c in customerClients + receivers { await c.close() }
        let h = probe.histogram.withLock { $0 }
        return Result(
            shards: k, acked: acked.load(ordering: .relaxed), perSecond: Double(acked.load(ordering: .relaxed)) / elapsed,
            sent: total, pushes: Int(h.totalCount), p50: Double(h.valueAtPercentile(50)) / 1000,
            p99: Double(h.valueAtPercentile(99)) / 1000, max: Double(h.max) / 1000,
            shardCPU: perMessage(cpu0.0, cpu1.0), gatewayCPU: perMessage(cpu0.1, cpu1.1),
            pacedCPU: suiteCPU0.flatMap { a in suiteCPU1.map { ($0 - a) * 1000 / Double(max(total, 1)) } }, pacedCPUByProcess: byProcess,
            pacedWakeUpsByProcess: wakeUpsByProcess, pacedByThread: pacedByThread,
            clientCores: cores(phase0.0, phase1.0), suiteCores: cores(phase0.1, phase1.1),
            machineBusy: phase0.2.flatMap { a in phase1.2?.busyShare(since: a) })
    }

    static func frame(_ conversation: String, id: String) -> String {
        #"{"type":"\#(StreamFrameType.messageSend)","conversationId":"\#(conversation)","clientMsgId":"\#(id)","kind":"text","text":"Are the peonies on their way?"}"#
    }

    /// A thread name within an executable's processes (``Result/pacedByThread``).
    struct ThreadKey: Hashable {
        let process: String
        let thread: String
    }

    /// Send times of the latency phase and the histogram of send → push (microseconds).
    final class Probe: Sendable {
        let recording = Atomic<Bool>(false)
        let sentAt = Mutex<[String: ContinuousClock.Instant]>([:])
        let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))

        func sent(_ id: String) { sentAt.withLock { $0[id] = .now } }

        func received(_ text: String) {
            guard recording.load(ordering: .acquiring), text.hasPrefix(#"{"type":"\#(PushType.messageNew)""#),
                let r = text.range(of: #""clientMsgId":""#),
                let close = text[r.upperBound...].firstIndex(of: "\"")
            else { return }
            let now = ContinuousClock.now
            guard let at = sentAt.withLock({ $0[String(text[r.upperBound..<close])] }) else { return }
            let micros = (now - at).components
            histogram.withLock { _ = $0.record(UInt64(max(0, micros.seconds * 1_000_000 + micros.attoseconds / 1_000_000_000_000))) }
        }
    }
}
