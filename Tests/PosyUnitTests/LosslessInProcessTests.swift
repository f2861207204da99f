import Foundation
import PosyCore
import PosySchema
import PosyStore
import PosyZMQ
import Synchronization
import Testing

/// Two Posy peers in one process meeting at an in-process forwarder over TCP loopback.
@Suite(.serialized) struct LosslessInProcessTests {
    static let effects = [
        Migration(
            2, "effects", "CREATE TABLE effects (id INTEGER PRIMARY KEY AUTOINCREMENT, src TEXT, topic TEXT, seq INTEGER, n INTEGER);")
    ]

    struct Peers {
        let proxy: ZMQProxy
        let producer: ServiceHost
        let dir: String
        var config: ServiceConfig
    }

    static func start() async throws -> Peers {
        let proxy = try await ZMQProxy.start(
            frontend: .xsub, bind: ["tcp://127.0.0.1:*"], options: .init(),
            backend: .xpub, bind: ["tcp://127.0.0.1:*"], options: .init())
        var c = ServiceConfig()
        c.busPub = proxy.frontendEndpoints[0]
        c.busSub = proxy.backendEndpoints[0]
        c.rpc = "tcp://127.0.0.1:*"
        c.dataDir = Scratch.directory.appendingPathComponent("posy-lossless-\(UUID().uuidString)").path
        c.logLevel = .warning
        // Several hosts in one process share one ZeroMQ context: the lossless rules are tested here
        // without CURVE, and with it between processes (LosslessBusTests).
        c.insecureBus = true
        let producer = try await ServiceHost.make(
            ServiceDescriptor(service: "test", instance: "producer", defaultRPCPort: 0, migrations: [], answersProbes: false),
            config: c)
        return Peers(proxy: proxy, producer: producer, dir: c.dataDir, config: c)
    }

    static func sink(_ p: Peers, instance: String = "sink", poison: Int64? = nil) async throws -> ServiceHost {
        let sink = try await ServiceHost.make(
            ServiceDescriptor(service: "test", instance: instance, defaultRPCPort: 0, migrations: effects, answersProbes: false),
            config: p.config)
        sink.on("t.") { db, e in
            let n = try e.decode([String: Int64].self)["n"] ?? -1
            if n == poison { throw PosyError(.badPayload, "poison") }
            try db.run("INSERT INTO effects(src, topic, seq, n) VALUES (?,?,?,?)", e.src, e.type, e.seq, n)
        }
        return sink
    }

    static func emit(_ host: ServiceHost, _ range: Range<Int>) async throws {
        let (store, events) = (host.store!, host.events!)
        for i in range {
            try await store.write { db in _ = try events.emit(db, topic: "t.\(i % 3)", payload: ["n": i]) }
        }
    }

    static func waitFor(_ timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    static func effectRows(_ sink: ServiceHost) async throws -> [(String, Int64, Int64)] {
        try await sink.store!.read { db in
            try db.query("SELECT topic, seq, n FROM effects ORDER BY id").map { ($0.string(0)!, $0.int(1)!, $0.int(2)!) }
        }
    }

    /// A subscription that hears nothing at all for its silence (every process heartbeats each
    /// second) is opened again; messages then flow on the new one (docs/architecture.md, "Threads").
    @Test func aSilentSubscriptionIsOpenedAgain() async throws {
        let silent = Atomic<Bool>(false)
        let proxy = try await ZMQProxy.start(
            frontend: .xsub, bind: ["tcp://127.0.0.1:*"], options: .init(), backend: .xpub, bind: ["tcp://127.0.0.1:*"],
            options: .init(), filter: { _, _ in !silent.load(ordering: .relaxed) })
        let metrics = Metrics()
        let subscriber = try await EventSubscriber(
            busSub: proxy.backendEndpoints[0], security: .insecure, store: nil, durable: [], directory: Directory(),
            pool: RPCClientPool(security: .insecure), metrics: metrics, logger: .init(label: "test"), silence: .seconds(1))
        let running = Task { await subscriber.run() }
        let pub = try await ZMQSocket.open(.pub, connect: [proxy.frontendEndpoints[0]])
        // Not a heartbeat Posy could read: each one is counted as dropped, which shows it arrived.
        func beat(until condition: () -> Bool) async throws -> Bool {
            for _ in 0..<100 where !condition() {
                pub.post([[Data(Topic.heartbeat.utf8), Data("{}".utf8)]])
                try await Task.sleep(for: .milliseconds(50))
            }
            return condition()
        }
        #expect(try await beat { metrics.counter("bus_frames_dropped") > 0 }, "nothing arrived: the test proves nothing")
        silent.store(true, ordering: .relaxed)
        #expect(try await beat { metrics.counter("bus_resubscribes") >= 1 }, "a silent subscription was kept")
        silent.store(false, ordering: .relaxed)
        let before = metrics.counter("bus_frames_dropped")
        #expect(try await beat { metrics.counter("bus_frames_dropped") > before }, "nothing arrived on the new subscription")
        await subscriber.close()
        running.cancel()
        await running.value
        await pub.close()
        await proxy.terminate()
    }

    /// A subscriber still applying an event (its store busy) knows its peers are alive: a heartbeat
    /// is noted as it arrives, not behind the events before it (docs/architecture.md, "Threads").
    @Test func aBusySubscriberStillHearsHeartbeats() async throws {
        let p = try await Self.start()
        let sink = try await ServiceHost.make(
            ServiceDescriptor(service: "test", instance: "busy-sink", defaultRPCPort: 0, migrations: Self.effects, answersProbes: false),
            config: p.config)
        let gate = DispatchSemaphore(value: 0)
        let applying = Atomic<Bool>(false)
        sink.on("t.") { db, e in
            applying.store(true, ordering: .relaxed)
            gate.wait()  // the store's writer is held: this event is still being applied
            try db.run("INSERT INTO effects(src, topic, seq, n) VALUES (?,?,?,?)", e.src, e.type, e.seq, 0)
        }
        let pub = try await ZMQSocket.open(.pub, connect: [p.proxy.frontendEndpoints[0]])
        let heartbeat = try Envelope.make(
            src: "peer-x", epoch: "", seq: 0, type: Topic.heartbeat,
            payload: Heartbeat(
                service: "test", instance: "peer-x", version: "0", rpc: "tcp://127.0.0.1:1", shard: nil, epoch: "", pid: 1,
                startedAt: Timestamp.now(), heads: [:], pos: nil))
        try await ServiceHost.withRunning(sink) { sink in
            #expect(await sink.waitForBus())
            var released = false
            defer { if !released { gate.signal() } }
            try await Self.emit(p.producer, 0..<1)
            let holding = await Self.waitFor(.seconds(10)) { applying.load(ordering: .relaxed) }
            #expect(holding, "the event never reached the subscriber")
            let heard = await Self.waitFor(.seconds(10)) {
                pub.post([[Data(Topic.heartbeat.utf8), EnvelopeCodec.encode(heartbeat)]])
                return sink.directory.peer("peer-x") != nil
            }
            #expect(heard, "a heartbeat waited behind the event being applied")
            let stillHeld = try await Self.effectRows(sink).isEmpty
            #expect(stillHeld, "the event was still being applied")
            gate.signal()
            released = true
            let applied = try await Self.waitFor { try await Self.effectRows(sink).count == 1 }
            #expect(applied)
        }
        await pub.close()
        p.producer.store?.close()
        await p.proxy.terminate()
    }

    /// A source whose replay is wrong — a duplicate within a page, a hole — never gets an event
    /// applied twice or out of order: the subscriber judges each replayed event as it judges live
    /// ones (docs/architecture.md, "Lossless events"); what a source cannot give is counted lost.
    @Test func aFaultySourcesReplayIsAppliedOnceEachAndInOrder() async throws {
        let p = try await Self.start()
        let sink = try await Self.sink(p)
        let epoch = String(repeating: "f", count: 32)
        // What the fake source says it has: t.a 1,2,2,3 (a duplicate), t.b 1,2,4 (no 3).
        let log: [String: [Int64]] = ["t.a": [1, 2, 2, 3], "t.b": [1, 2, 4]]
        @Sendable func envelope(_ topic: String, _ seq: Int64) throws -> Data {
            EnvelopeCodec.encode(try Envelope.make(src: "fake", epoch: epoch, seq: seq, type: topic, payload: ["n": seq]))
        }
        let server = try await RPCServer(bind: "tcp://127.0.0.1:*", metrics: Metrics(), logger: .init(label: "fake"))
        server.register(name: RPCMethod.eventsReplay.name) { request in
            let r = try request.decode(ReplayRequest.self)
            let seqs = (log[r.topic] ?? []).filter { $0 > r.after }
            return ReplayBatch.encode(epoch: epoch, head: log[r.topic]?.last ?? 0, rawEvents: try seqs.map { try envelope(r.topic, $0) })
        }
        let serving = Task { await server.run() }
        // Its heartbeat says how far each topic goes; no event of it ever crosses the bus live.
        let pub = try await ZMQSocket.open(.pub, connect: [p.proxy.frontendEndpoints[0]])
        let heartbeat = try Envelope.make(
            src: "fake", epoch: "", seq: 0, type: Topic.heartbeat,
            payload: Heartbeat(
                service: "fake", instance: "fake", version: "0", rpc: server.endpoint, shard: nil, epoch: epoch, pid: 1,
                startedAt: Timestamp.now(), heads: ["t.a": 3, "t.b": 4], pos: nil))
        try await ServiceHost.withRunning(sink) { sink in
            #expect(await sink.waitForBus())
            let caughtUp = try await Self.waitFor {
                pub.post([[Data(Topic.heartbeat.utf8), EnvelopeCodec.encode(heartbeat)]])
                return try await Self.effectRows(sink).count >= 6
            }
            let applied = try await Self.effectRows(sink)
            #expect(caughtUp, "\(applied)")
            try await Task.sleep(for: .milliseconds(1500))  // more heartbeats: nothing may be applied again
            for _ in 0..<5 { pub.post([[Data(Topic.heartbeat.utf8), EnvelopeCodec.encode(heartbeat)]]) }
            try await Task.sleep(for: .milliseconds(500))
            let rows = try await Self.effectRows(sink)
            #expect(rows.filter { $0.0 == "t.a" }.map(\.1) == [1, 2, 3], "\(rows)")
            #expect(rows.filter { $0.0 == "t.b" }.map(\.1) == [1, 2, 4], "\(rows)")
            let stats = sink.statsReport().counters
            #expect(stats["events_lost"] == 1, "the hole at t.b 3 is not counted: \(stats)")
        }
        serving.cancel()
        await server.close()
        await pub.close()
        p.producer.store?.close()
        await p.proxy.terminate()
    }

    @Test func lateSubscriberCatchesUpExactlyOnceInOrder() async throws {
        let p = try await Self.start()
        try await ServiceHost.withRunning(p.producer) { producer in
            #expect(await producer.waitForBus())
            // 300 events before the subscriber exists: it learns of them from heartbeats and replays.
            try await Self.emit(producer, 0..<300)
            let sink = try await Self.sink(p)
            try await ServiceHost.withRunning(sink) { sink in
                try await Self.emit(producer, 300..<600)
                let done = try await Self.waitFor { try await Self.effectRows(sink).count >= 600 }
                #expect(done)
                try await Task.sleep(for: .milliseconds(1500))  // a heartbeat later, still nothing twice
                let rows = try await Self.effectRows(sink)
                #expect(rows.count == 600)
                #expect(Set(rows.map(\.2)) == Set(0..<600))
                for topic in ["t.0", "t.1", "t.2"] {
                    let seqs = rows.filter { $0.0 == topic }.map(\.1)
                    #expect(seqs == Array(1...Int64(seqs.count)))
                }
                #expect(sink.metrics.counter("events_replayed") > 0)

                // Duplicates from the wire (a publisher resending) are not applied again.
                let raw = try await producer.store!.read { db in
                    try db.query("SELECT topic, envelope FROM outbox ORDER BY seq LIMIT 20").map { ($0.string(0)!, $0.data(1)!) }
                }
                for (topic, envelope) in raw { producer.publisher.post(topic: topic, envelope: envelope) }
                // Garbage on the bus is dropped and counted.
                producer.publisher.postRaw([Data("t.0".utf8), Data("not json".utf8)])
                producer.publisher.postRaw([Data("t.0".utf8)])
                producer.publisher.postRaw([
                    Data("t.0".utf8), Data(#"{"v":1,"src":"x","epoch":"e","seq":1,"type":"t.0","data":[]}"#.utf8), Data(),
                ])
                let dropped = await Self.waitFor(.seconds(5)) {
                    sink.metrics.counter("bus_frames_dropped") >= 3 && sink.metrics.counter("events_duplicate") >= 20
                }
                #expect(dropped)
                #expect(try await Self.effectRows(sink).count == 600)
            }
        }
    }

    @Test func poisonEventIsSetAsideAndTheStreamGoesOn() async throws {
        let p = try await Self.start()
        let sink = try await Self.sink(p, instance: "sink-poison", poison: 5)
        try await ServiceHost.withRunning(p.producer) { producer in
            try await ServiceHost.withRunning(sink) { sink in
                #expect(await sink.waitForBus())
                #expect(await producer.waitForBus())
                try await Self.emit(producer, 0..<30)
                #expect(try await Self.waitFor { try await Self.effectRows(sink).count >= 29 })
                let dead = try await sink.store!.read { db in try db.queryOne("SELECT COUNT(*), MIN(error) FROM dead_events") }
                #expect(dead?.int(0) == 1)
                #expect(dead?.string(1)?.contains("poison") == true)
                #expect(try await Self.effectRows(sink).count == 29)
            }
        }
    }

    @Test func replayRPCAnswersAndRefusesOtherEpochs() async throws {
        let p = try await Self.start()
        try await ServiceHost.withRunning(p.producer) { producer in
            try await Self.emit(producer, 0..<9)
            let epoch = producer.events!.epoch
            try await RPCClient.withClient(producer.advertisedRPC) { client in
                let data = try await client.call(
                    RPCMethod.eventsReplay.name, body: JSON.encode(ReplayRequest(topic: "t.0", epoch: epoch, after: 1, limit: 10)))
                let batch = try ReplayBatch.decode(data)
                #expect(batch.head == 3)
                #expect(batch.events.map(\.seq) == [2, 3])
                await #expect {
                    try await client.call(
                        RPCMethod.eventsReplay.name, body: JSON.encode(ReplayRequest(topic: "t.0", epoch: "other", after: 0)))
                } throws: { ($0 as? PosyError)?.code == .epochMismatch }
            }
        }
    }

    /// An event is handed to the bus only after its transaction commits. A write that emits and then
    /// rolls back must publish nothing: were it published, subscribers would apply a phantom event
    /// with seq N and drop the real seq N as a duplicate.
    @Test func aRolledBackEmitIsNeverPublished() async throws {
        let p = try await Self.start()
        let sink = try await Self.sink(p, instance: "sink-rollback")
        try await ServiceHost.withRunning(p.producer) { producer in
            try await ServiceHost.withRunning(sink) { sink in
                #expect(await sink.waitForBus())
                #expect(await producer.waitForBus())
                try await Self.emit(producer, 0..<3)  // seqs 1 of t.0, t.1, t.2
                #expect(try await Self.waitFor { try await Self.effectRows(sink).count == 3 })
                struct Abort: Error {}
                for phantom in [1000, 1001, 1002] {
                    await #expect(throws: Abort.self) {
                        try await producer.store!.write { db in
                            _ = try producer.events!.emit(db, topic: "t.0", payload: ["n": phantom])
                            throw Abort()
                        }
                    }
                }
                try await Self.emit(producer, 3..<4)  // the real seq 2 of t.0 (n = 3)
                #expect(try await Self.waitFor { try await Self.effectRows(sink).count == 4 })
                try await Task.sleep(for: .milliseconds(1200))  // a heartbeat later: still nothing else
                let rows = try await Self.effectRows(sink)
                #expect(rows.map(\.2).sorted() == [0, 1, 2, 3], "applied: \(rows)")
                #expect(rows.first { $0.2 == 3 }.map { $0.0 == "t.0" && $0.1 == 2 } == true)
                #expect(sink.metrics.counter("events_duplicate") == 0)
            }
        }
    }

    /// When the transaction that applies a batch fails as a whole (here a trigger refuses the cursor
    /// update; in life a full disk), nothing of it happened: the subscriber goes back to the cursors
    /// the store holds, and the events are applied later, once each — none skipped.
    @Test func aFailedApplyTransactionIsRetriedNotSkipped() async throws {
        let p = try await Self.start()
        let trap = Migration(
            3, "a switch that makes cursor writes fail",
            """
            CREATE TABLE fail_switch (on_ INTEGER);
            CREATE TRIGGER cursor_insert_fails BEFORE INSERT ON cursors WHEN (SELECT COUNT(*) FROM fail_switch) > 0
              BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
            CREATE TRIGGER cursor_update_fails BEFORE UPDATE ON cursors WHEN (SELECT COUNT(*) FROM fail_switch) > 0
              BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
            """)
        let sink = try await ServiceHost.make(
            ServiceDescriptor(
                service: "test", instance: "sink-fail", defaultRPCPort: 0, migrations: Self.effects + [trap], answersProbes: false),
            config: p.config)
        sink.on("t.") { db, e in
            let n = try e.decode([String: Int64].self)["n"] ?? -1
            try db.run("INSERT INTO effects(src, topic, seq, n) VALUES (?,?,?,?)", e.src, e.type, e.seq, n)
        }
        try await ServiceHost.withRunning(p.producer) { producer in
            try await ServiceHost.withRunning(sink) { sink in
                #expect(await sink.waitForBus())
                #expect(await producer.waitForBus())
                try await Self.emit(producer, 0..<6)
                #expect(try await Self.waitFor { try await Self.effectRows(sink).count == 6 })
                try await sink.store!.write { db in _ = try db.run("INSERT INTO fail_switch VALUES (1)") }
                try await Self.emit(producer, 6..<12)
                #expect(await Self.waitFor(.seconds(10)) { sink.metrics.counter("event_apply_failures") > 0 })
                #expect(try await Self.effectRows(sink).count == 6)  // each failed batch rolled back whole
                try await sink.store!.write { db in _ = try db.run("DELETE FROM fail_switch") }
                try await Self.emit(producer, 12..<15)
                #expect(try await Self.waitFor { try await Self.effectRows(sink).count >= 15 })
                try await Task.sleep(for: .milliseconds(1500))
                let rows = try await Self.effectRows(sink)
                #expect(rows.map(\.2).sorted() == Array(0..<15), "applied: \(rows.map(\.2))")
                for topic in ["t.0", "t.1", "t.2"] {
                    #expect(rows.filter { $0.0 == topic }.map(\.1).sorted() == Array(1...5), "\(topic)")
                }
            }
        }
    }
}
