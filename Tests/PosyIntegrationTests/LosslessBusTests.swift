import Foundation
import PosyCore
import PosySchema
import PosyStore
import PosyZMQ
import Testing

extension FaultIntegration {
    /// The lossless event protocol with real processes over TCP on loopback: `posy-bus`, a durable
    /// publisher (`posy dev emit`) and a durable subscriber (`posy dev sink`), each SIGKILLed mid-stream.
    @Suite(.serialized) struct LosslessBusTests {
        struct Rig {
            let dir: String
            let busPort: Int
            let bus: Child
            var keysDir: String { "\(dir)/keys" }
            var busArgs: [String] {
                ["--bus-pub", "tcp://127.0.0.1:\(busPort)", "--bus-sub", "tcp://127.0.0.1:\(busPort + 1)", "--keys-dir", keysDir]
            }

            /// The bus, and keys for it, the emitter (`loadgen`), the sink and this test (`cli`): CURVE is on.
            init(_ name: String, hwm: Int = 100_000) throws {
                dir = Harness.tempDir(name)
                busPort = Harness.freePorts(3)
                try SuiteKeyring.create(directory: "\(dir)/keys", identities: ["bus", "loadgen", "sink", "cli"])
                try SuiteKeyring.grant(directory: "\(dir)/keys", identity: "sink", read: ["sys.heartbeat", "test."])
                try SuiteKeyring.grant(directory: "\(dir)/keys", identity: "loadgen", read: ["sys.heartbeat"])
                bus = Child(
                    "bus", "posy-bus",
                    [
                        "--frontend", "tcp://127.0.0.1:\(busPort)", "--backend", "tcp://127.0.0.1:\(busPort + 1)",
                        "--rpc", "tcp://127.0.0.1:\(busPort + 2)", "--hwm", "\(hwm)", "--log-level", "warning",
                        "--keys-dir", "\(dir)/keys",
                    ], logDir: dir)
                try bus.start()
            }

            func emitter(_ extra: [String]) -> Child {
                Child(
                    "emit", "posy",
                    ["dev", "emit", "--data-dir", "\(dir)/pub", "--rpc", "tcp://127.0.0.1:*", "--log-level", "info"]
                        + busArgs + extra, logDir: dir)
            }

            func sink(_ extra: [String] = []) -> Child {
                Child("sink", "posy", ["dev", "sink", "--data-dir", "\(dir)/sub", "--log-level", "info"] + busArgs + extra, logDir: dir)
            }

            var sinkDB: String { "\(dir)/sub/sink.db" }

            /// This test's own key (`cli`), for RPC to the rig's processes.
            func cli() throws -> BusSecurity { try BusSecurity(keyring: SuiteKeyring.load(directory: keysDir, identity: "cli")) }

            /// The `stats` of the process of `identity` answering RPC on `port`.
            func stats(port: Int, of identity: String) async throws -> StatsReport {
                try await RPCClient.withClient("tcp://127.0.0.1:\(port)", curve: try cli().client(of: identity)) {
                    try await $0.call(RPCMethod.stats, EmptyBody())
                }
            }

            func appliedCount() -> Int {
                (try? Harness.query(sinkDB, "SELECT COUNT(*) FROM effects").first?.int(0)).flatMap { $0 }.map(Int.init) ?? 0
            }

            /// Every effect exactly once, per topic in seq order, with the payload that seq must carry.
            func verify(count: Int, topics: Int) throws {
                let rows = try Harness.query(sinkDB, "SELECT topic, seq, n FROM effects ORDER BY id")
                #expect(rows.count == count, "applications: \(rows.count), expected \(count)")
                let ns = rows.compactMap { $0.int(2) }
                #expect(Set(ns).count == ns.count, "an event was applied twice")
                #expect(Set(ns) == Set((0..<count).map(Int64.init)), "an event is missing")
                for k in 0..<topics {
                    let topic = rows.filter { $0.string(0) == "test.t\(k)" }
                    let seqs = topic.compactMap { $0.int(1) }
                    #expect(seqs == Array(1...Int64(max(1, seqs.count))).prefix(seqs.count).map { $0 }, "test.t\(k) out of order")
                    // The emitter puts event n on topic n % topics, so seq s of topic k carries n = k + topics·(s−1).
                    #expect(topic.allSatisfy { $0.int(2)! == Int64(k) + Int64(topics) * ($0.int(1)! - 1) })
                }
                let outbox = try Harness.query("\(dir)/pub/loadgen.db", "SELECT COUNT(*) FROM outbox WHERE topic LIKE 'test.%'")
                #expect(outbox.first?.int(0) == Int64(count), "the publisher emitted a different number of events")
            }
        }

        @Test(.timeLimit(.minutes(4)))
        func twentyThousandEventsSurviveKillsOfEveryProcess() async throws {
            let rig = try Rig("kill")
            let count = 20_000
            let emitter = rig.emitter(["--count", "\(count)", "--topics", "4", "--rate", "2000", "--batch", "20"])
            let sink = rig.sink()
            try sink.start()
            try await Task.sleep(for: .milliseconds(500))
            try emitter.start()

            func pause(_ s: Double) async throws { try await Task.sleep(for: .milliseconds(Int(s * 1000))) }
            // (a) the subscriber, twice
            try await pause(1.5)
            sink.kill()
            try await pause(1.0)
            try sink.start()
            try await pause(1.0)
            sink.kill()
            try await pause(0.5)
            try sink.start()
            // (b) the publisher
            try await pause(1.0)
            emitter.kill()
            try await pause(1.0)
            try emitter.start()
            // (c) the bus
            try await pause(1.0)
            rig.bus.kill()
            try await pause(1.0)
            try rig.bus.start()

            let done = await Harness.waitFor(.seconds(120), poll: .milliseconds(250)) { rig.appliedCount() >= count }
            #expect(done, "applied \(rig.appliedCount()) of \(count); sink log:\n\(sink.log.suffix(3000))")
            try await pause(2.5)  // more heartbeats: nothing may be applied twice afterwards
            #expect(emitter.log.contains("emit complete"))
            try rig.verify(count: count, topics: 4)
            #expect(await sink.terminate())
            #expect(await emitter.terminate())
            #expect(await rig.bus.terminate())
        }

        @Test(.timeLimit(.minutes(3)))
        func overflowingSubscriberRecoversEveryDroppedEventByReplay() async throws {
            // A tiny bus and SUB high-water mark and a slow subscriber: libzmq must drop, replay must fill.
            let rig = try Rig("hwm", hwm: 50)
            let count = 6_000
            let sinkRPC = Harness.freePorts(1)
            let sink = rig.sink(["--rcvhwm", "20", "--inbox", "20", "--apply-delay-us", "400", "--rpc", "tcp://127.0.0.1:\(sinkRPC)"])
            try sink.start()
            try await Task.sleep(for: .milliseconds(800))
            let emitter = rig.emitter(["--count", "\(count)", "--topics", "3", "--rate", "0", "--batch", "200", "--pad", "2000"])
            try emitter.start()
            let done = await Harness.waitFor(.seconds(120), poll: .milliseconds(250)) { rig.appliedCount() >= count }
            #expect(done, "applied \(rig.appliedCount()) of \(count)")
            try await Task.sleep(for: .milliseconds(2500))
            try rig.verify(count: count, topics: 3)
            // Prove the overflow happened: events were missed on the wire and came back through replay.
            let stats = try await rig.stats(port: sinkRPC, of: "sink")
            #expect((stats.counters["events_replayed"] ?? 0) > 0, "no event was dropped, so nothing was proven: \(stats.counters)")
            #expect(stats.counters["events_applied"] == Int64(count))
            await sink.terminate()
            await emitter.terminate()
            await rig.bus.terminate()
        }

        /// Publishers pack their commit groups' events into batches once posy-bus says in its heartbeat
        /// that it splits them; the bus forwards every event on its own, through the gate, and the
        /// subscriber applies each once and in order (docs/protocol.md, "Batches to the bus"). A batch
        /// carrying an event under another's name is split and that event refused.
        @Test(.timeLimit(.minutes(3)))
        func eventsLeaveInBatchesAndTheBusSplitsThemThroughItsGate() async throws {
            let rig = try Rig("batches")
            let count = 8_000
            let emitterRPC = Harness.freePorts(1)
            let sink = rig.sink()
            try sink.start()
            try await Task.sleep(for: .milliseconds(500))
            let emitter = Child(
                "emit", "posy",
                [
                    "dev", "emit", "--data-dir", "\(rig.dir)/pub", "--rpc", "tcp://127.0.0.1:\(emitterRPC)", "--log-level", "info",
                    "--count", "\(count)", "--topics", "4", "--rate", "2000", "--batch", "20",
                ] + rig.busArgs, logDir: rig.dir)
            try emitter.start()
            let done = await Harness.waitFor(.seconds(90), poll: .milliseconds(250)) { rig.appliedCount() >= count }
            #expect(done, "applied \(rig.appliedCount()) of \(count); sink log:\n\(sink.log.suffix(3000))")
            try await Task.sleep(for: .milliseconds(2500))
            try rig.verify(count: count, topics: 4)

            let cli = try rig.cli()
            let stats = try await rig.stats(port: emitterRPC, of: "loadgen")
            #expect(stats.gauges["bus_batching"] == 1, "the emitter never heard that the bus splits batches: \(stats.gauges)")
            #expect((stats.counters["bus_batches_sent"] ?? 0) > 0, "\(stats.counters)")
            #expect((stats.counters["bus_events_in_batches"] ?? 0) > 1_000, "\(stats.counters)")
            let proxyRPC = "tcp://127.0.0.1:\(rig.busPort + 2)"
            let before = try await RPCClient.withClient(proxyRPC, curve: try cli.client(of: ServiceName.bus)) {
                try await $0.call(RPCMethod.busProxy, EmptyBody())
            }
            #expect(before.frontendMessagesIn < before.backendMessagesOut, "the bus forwarded no more messages than it read: \(before)")

            // cli packs a batch: an event of its own and one forged under loadgen's name.
            let pub = try await ZMQSocket.open(
                .pub, connect: ["tcp://127.0.0.1:\(rig.busPort)"],
                options: {
                    var o = ZMQSocketOptions()
                    o.curve = try cli.client(of: ServiceName.bus)
                    return o
                }())
            func event(_ src: String, _ topic: String) throws -> [Data] {
                let e = try Envelope.make(src: src, epoch: "e", seq: 1, type: topic, payload: ["n": -1])
                return [Data(topic.utf8), EnvelopeCodec.encode(e)]
            }
            let forged = ZMQBatch.pack([try event("cli", "cli.batch-check"), try event("loadgen", "test.t0")]).messages
            #expect(forged.count == 1)
            let refused = await Harness.waitFor(.seconds(20), poll: .milliseconds(250)) {
                pub.post(forged)
                let now = try? await RPCClient.withClient(proxyRPC, curve: try cli.client(of: ServiceName.bus)) {
                    try await $0.call(RPCMethod.busProxy, EmptyBody())
                }
                return (now?.frontendMessagesRefused ?? 0) > before.frontendMessagesRefused
            }
            #expect(refused, "the forged event inside the batch was not refused")
            #expect(rig.appliedCount() == count, "something more was applied")
            await pub.close()
            await sink.terminate()
            await emitter.terminate()
            await rig.bus.terminate()
        }

        /// A subscriber held at its limit for minutes — its inbox and high-water mark full, the bus
        /// killed twice meanwhile — never aborts inside libzmq and loses nothing (docs/architecture.md,
        /// "Threads"). With ZMTP heartbeats and a socket that stops reading when full, a connection
        /// that errored while stalled reconnected and then aborted the process (`Assertion failed:
        /// _input_stopped`, zeromq/libzmq#3937) once the reader caught up.
        @Test(.timeLimit(.minutes(4)))
        func aSlowSubscriberHeldAtItsLimitForMinutesNeverAbortsAndLosesNothing() async throws {
            let rig = try Rig("slow", hwm: 100)
            let count = 24_000
            let sinkRPC = Harness.freePorts(1)
            let sink = rig.sink(["--rcvhwm", "10", "--inbox", "10", "--apply-delay-us", "3000", "--rpc", "tcp://127.0.0.1:\(sinkRPC)"])
            try sink.start()
            try await Task.sleep(for: .milliseconds(800))
            let sinkPid = try #require(sink.pid)
            let emitter = rig.emitter(["--count", "\(count)", "--topics", "3", "--rate", "400", "--batch", "40", "--pad", "500"])
            try emitter.start()
            // The bus goes down twice while the sink is behind (an error on a stalled connection).
            for _ in 0..<2 {
                try await Task.sleep(for: .seconds(15))
                rig.bus.kill()
                try await Task.sleep(for: .seconds(2))
                try rig.bus.start()
            }
            let done = await Harness.waitFor(.seconds(150), poll: .milliseconds(500)) { rig.appliedCount() >= count }
            #expect(done, "applied \(rig.appliedCount()) of \(count); sink log:\n\(sink.log.suffix(3000))")
            #expect(sink.isRunning && sink.pid == sinkPid, "the sink died:\n\(sink.log.suffix(3000))")
            #expect(!sink.log.contains("Assertion failed") && !rig.bus.log.contains("Assertion failed"), "\(sink.log.suffix(2000))")
            try await Task.sleep(for: .milliseconds(2500))
            try rig.verify(count: count, topics: 3)
            // It was at its limit: messages arrived with no room and were dropped, then replayed.
            let stats = try await rig.stats(port: sinkRPC, of: "sink")
            #expect((stats.counters["bus_overflow_dropped"] ?? 0) > 1_000, "never at its limit: \(stats.counters)")
            #expect(stats.counters["events_applied"] == Int64(count), "\(stats.counters)")
            await sink.terminate()
            await emitter.terminate()
            await rig.bus.terminate()
        }
    }
}
