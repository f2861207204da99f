import Foundation
import PosyCore
import PosySchema
import PosyStore
import Testing

/// The store-wide log position (`pos`), `events.since`, and core migration 10001 on a store
/// written before positions existed.
@Suite struct EventLogPositionTests {
    static func tempPath() -> String {
        Scratch.directory.appendingPathComponent("posy-pos-\(UUID().uuidString)/t.db").path
    }

    @Test func positionsCountEveryTopicWithoutGapsAndSinceReadsThemInOrder() async throws {
        let store = try Store(path: Self.tempPath(), migrations: CoreMigrations.with([]))
        let log = try await EventLog(store: store, src: "t", publisher: nil, metrics: Metrics())
        #expect(log.currentPos == 0)
        for (n, topic) in ["a.one", "b.two", "a.one", "c.three", "b.two"].enumerated() {
            let e = try await store.write { db in try log.emit(db, topic: topic, payload: ["n": n]) }
            #expect(e.pos == Int64(n + 1))
        }
        // A rolled-back write takes no position: the next event gets the next number.
        await #expect(throws: SQLiteError.self) {
            try await store.write { db in
                try log.emit(db, topic: "a.one", payload: ["n": 99])
                throw SQLiteError(code: 1, message: "rolled back")
            }
        }
        let sixth = try await store.write { db in try log.emit(db, topic: "a.one", payload: ["n": 5]) }
        #expect(sixth.pos == 6 && sixth.seq == 3)
        #expect(log.currentPos == 6)

        let batch = try ReplayBatch.decode(try await log.since(EventsSinceRequest(epoch: log.epoch, after: 2, limit: 3), store: store))
        #expect(batch.head == 6 && batch.epoch == log.epoch)
        #expect(batch.events.map(\.pos) == [3, 4, 5])
        #expect(batch.events.map(\.type) == ["a.one", "c.three", "b.two"])
        // Round trip of the wire form keeps pos.
        #expect(try EnvelopeCodec.decode(EnvelopeCodec.encode(batch.events[0])).pos == 3)
        // limit 0 asks only for the head; any epoch when none is named.
        let head = try ReplayBatch.decode(try await log.since(EventsSinceRequest(epoch: "", after: 0, limit: 0), store: store))
        #expect(head.events.isEmpty && head.head == 6)
        await #expect(throws: PosyError.self) {
            try await log.since(EventsSinceRequest(epoch: "other", after: 0), store: store)
        }
        store.close()
    }

    /// Writes that share a group transaction, some undone after they emitted (their own savepoint,
    /// or a savepoint inside them): the events that stay are numbered 1…n in every topic and in the
    /// log, with nothing skipped or given twice.
    /// A write alone in its transaction runs without a savepoint; when it throws, the transaction's
    /// rollback takes back its event, its after-commit actions and its numbers.
    @Test func aLoneWriteThatFailsGivesItsNumbersToTheNext() async throws {
        let store = try Store(path: Self.tempPath(), migrations: CoreMigrations.with([]))
        defer { store.close() }
        let log = try await EventLog(store: store, src: "t", publisher: nil, metrics: Metrics())
        struct Undo: Error {}
        let ran = Locked(0)
        for _ in 0..<3 {
            await #expect(throws: Undo.self) {
                try await store.write { db in
                    try log.emit(db, topic: "t.a", payload: ["undone": true])
                    db.onCommit { ran.withLock { $0 += 1 } }
                    throw Undo()
                }
            }
        }
        let kept = try await store.write { db in try log.emit(db, topic: "t.a", payload: ["kept": true]) }
        #expect(kept.seq == 1 && kept.pos == 1)
        #expect(ran.value == 0)
        let rows = try await store.read { db in try db.query("SELECT seq, pos FROM outbox").map { ($0.int(0)!, $0.int(1)!) } }
        #expect(rows.count == 1 && rows[0] == (1, 1))
        #expect(log.currentPos == 1)
        #expect(store.statistics["store_failed_jobs"] == 3)
    }

    @Test func undoneEventsInAGroupLeaveNoGapAndNoDouble() async throws {
        let store = try Store(path: Self.tempPath(), migrations: CoreMigrations.with([]))
        defer { store.close() }
        let log = try await EventLog(store: store, src: "t", publisher: nil, metrics: Metrics())
        struct Undo: Error {}
        let kept = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<60 {
                group.addTask {
                    do {
                        return try await store.write { db -> Int in
                            try log.emit(db, topic: "t.\(i % 2)", payload: ["i": i])
                            if i % 3 == 1 { throw Undo() }
                            if i % 3 == 2 {
                                // An inner savepoint undoes its second event; the first stays.
                                _ = try? db.savepoint { () throws -> Void in
                                    try log.emit(db, topic: "t.\(i % 2)", payload: ["i": -i])
                                    throw Undo()
                                }
                            }
                            return 1
                        }
                    } catch is Undo {
                        return 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(kept == 40)
        let rows = try await store.read { db in
            try db.query("SELECT topic, seq, pos FROM outbox ORDER BY pos").map { ($0.string(0)!, $0.int(1)!, $0.int(2)!) }
        }
        #expect(rows.map(\.2) == Array(1...40))
        for topic in ["t.0", "t.1"] {
            let seqs = rows.filter { $0.0 == topic }.map(\.1)
            #expect(seqs == Array(1...Int64(seqs.count)), "\(topic): \(seqs)")
        }
        #expect(log.currentPos == 40)
    }

    /// Pruning every event of a topic keeps its head: the next event continues the count, and
    /// `events.since` and `events.replay` still say where the log and the topic stand.
    @Test func pruningEveryRowKeepsTheHeads() async throws {
        let path = Self.tempPath()
        let store = try Store(path: path, migrations: CoreMigrations.with([]))
        let log = try await EventLog(store: store, src: "t", publisher: nil, metrics: Metrics())
        for n in 0..<3 { try await store.write { db in _ = try log.emit(db, topic: "a.x", payload: ["n": n]) } }
        try await store.write { db in _ = try log.emit(db, topic: "b.x", payload: ["n": 9]) }
        #expect(try await log.prune(olderThanHours: 1, store: store, now: Date().addingTimeInterval(7_200)) == 4)
        let since = try ReplayBatch.decode(try await log.since(EventsSinceRequest(epoch: "", after: 0, limit: 10), store: store))
        #expect(since.events.isEmpty && since.head == 4)
        let replay = try ReplayBatch.decode(try await log.replay(ReplayRequest(topic: "a.x", epoch: "", after: 0), store: store))
        #expect(replay.events.isEmpty && replay.head == 3)
        let next = try await store.write { db in try log.emit(db, topic: "a.x", payload: ["n": 3]) }
        #expect(next.seq == 4 && next.pos == 5)
        store.close()
        // A new process on the same store, with one row left: the heads pruning kept still count.
        let reopened = try Store(path: path, migrations: CoreMigrations.with([]))
        defer { reopened.close() }
        let again = try await EventLog(store: reopened, src: "t", publisher: nil, metrics: Metrics())
        #expect(again.currentHeads == ["a.x": 4, "b.x": 1] && again.currentPos == 5)
        let other = try await reopened.write { db in try again.emit(db, topic: "b.x", payload: ["n": 10]) }
        #expect(other.seq == 2 && other.pos == 6)
    }

    /// Pruning takes the log's oldest rows in order up to the first one younger than the cutoff;
    /// one written under a clock set back waits for the younger row before it.
    @Test func pruningWalksTheLogInOrder() async throws {
        let store = try Store(path: Self.tempPath(), migrations: CoreMigrations.with([]))
        defer { store.close() }
        let log = try await EventLog(store: store, src: "t", publisher: nil, metrics: Metrics())
        let now = Date()
        let ages: [Double] = [5, 4, 3, 0.5, 2, 0.2]  // hours; the fifth written under a clock set back
        for (n, age) in ages.enumerated() {
            try await store.write { db in
                let e = try log.emit(db, topic: "a.x", payload: ["n": n])
                try db.run("UPDATE outbox SET created_at = ? WHERE pos = ?", now.timeIntervalSince1970 - age * 3600, e.pos)
            }
        }
        #expect(try await log.prune(olderThanHours: 1, store: store, now: now) == 3)
        let left = try await store.read { db in try db.query("SELECT pos FROM outbox ORDER BY pos").compactMap { $0.int(0) } }
        #expect(left == [4, 5, 6])
        let plan = try await store.read { db in
            try db.query("EXPLAIN QUERY PLAN SELECT pos FROM outbox WHERE created_at >= 0 ORDER BY pos LIMIT 1").compactMap { $0.string(3) }
        }
        // The table in its own (pos) order: no index on time, no sort.
        #expect(plan == ["SCAN outbox"], "\(plan)")
    }

    /// Events append at the outbox's end: a group of 40 over four topics writes few pages to the
    /// WAL (27 when the outbox was keyed by topic and seq, each event landing mid-tree).
    @Test func eventsAppendAtTheLogsEnd() async throws {
        let path = Self.tempPath()
        // No checkpoint during the test: the WAL only grows, by what the commits wrote.
        let store = try Store(path: path, migrations: CoreMigrations.with([]), checkpointInterval: .seconds(600))
        defer { store.close() }
        let log = try await EventLog(store: store, src: "bench-producer", publisher: nil, metrics: Metrics())
        let pad = String(repeating: "x", count: 60)
        func group(_ g: Int) async throws {
            try await store.write { db in
                for i in 0..<40 { try log.emit(db, topic: "bench.t\(i % 4)", payload: ["n": "\(g * 40 + i)", "pad": pad]) }
            }
        }
        for g in 0..<50 { try await group(g) }  // past the first pages' splits
        func walFrames() throws -> Int {
            let size = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            return max(0, size - 32) / (4_096 + 24)
        }
        let before = try walFrames()
        for g in 50..<150 { try await group(g) }
        let perGroup = Double(try walFrames() - before) / 100
        #expect(perGroup < 18, "\(perGroup) WAL frames per group of 40 events")
    }

    /// Core migration 10004 keeps every row, its position and the (topic, seq) uniqueness.
    @Test func theOutboxKeyedByPositionKeepsItsRowsAndTheirUniqueness() async throws {
        let path = Self.tempPath()
        do {
            let old = try Store(path: path, migrations: CoreMigrations.all.filter { $0.version < 10_004 })
            let log = try await EventLog(store: old, src: "t", publisher: nil, metrics: Metrics())
            for (n, topic) in ["a.x", "b.x", "a.x"].enumerated() {
                try await old.write { db in _ = try log.emit(db, topic: topic, payload: ["n": n]) }
            }
            old.close()
        }
        let store = try Store(path: path, migrations: CoreMigrations.with([]))
        defer { store.close() }
        let rows = try await store.read { db in
            try db.query("SELECT rowid, topic, seq, pos FROM outbox ORDER BY pos").map {
                "\($0.int(0)!)=\($0.string(1)!)#\($0.int(2)!)@\($0.int(3)!)"
            }
        }
        #expect(rows == ["1=a.x#1@1", "2=b.x#1@2", "3=a.x#2@3"])
        await #expect(throws: SQLiteError.self) {
            try await store.write { db in
                try db.run("INSERT INTO outbox(pos, topic, seq, envelope, created_at) VALUES (9, 'a.x', 2, x'00', 0)")
            }
        }
        let log = try await EventLog(store: store, src: "t", publisher: nil, metrics: Metrics())
        let next = try await store.write { db in try log.emit(db, topic: "a.x", payload: ["n": 3]) }
        #expect(next.seq == 3 && next.pos == 4)
    }

    @Test func migrationNumbersEventsWrittenBeforePositionsExisted() async throws {
        let path = Self.tempPath()
        // A store as the first release wrote it: core migration 1 only, three events in the outbox.
        do {
            let old = try Store(path: path, migrations: [CoreMigrations.all[0]])
            try await old.write { db in
                for (topic, seq, at) in [("b.x", 1, 10.0), ("a.x", 1, 20.0), ("b.x", 2, 30.0)] {
                    let e = Envelope(src: "t", epoch: "e", seq: Int64(seq), type: topic)
                    try db.run(
                        "INSERT INTO outbox(topic, seq, envelope, created_at) VALUES (?, ?, ?, ?)",
                        topic, seq, EnvelopeCodec.encode(e), at)
                    try db.run(
                        "INSERT INTO topic_heads(topic, seq) VALUES (?, ?) ON CONFLICT(topic) DO UPDATE SET seq = excluded.seq",
                        topic, seq)
                }
            }
            old.close()
        }
        let store = try Store(path: path, migrations: CoreMigrations.with([]))
        let positions = try await store.read { db in
            try db.query("SELECT topic, seq, pos FROM outbox ORDER BY pos").map { "\($0.string(0)!)#\($0.int(1)!)@\($0.int(2)!)" }
        }
        #expect(positions == ["b.x#1@1", "a.x#1@2", "b.x#2@3"])
        let log = try await EventLog(store: store, src: "t", publisher: nil, metrics: Metrics())
        #expect(log.currentPos == 3)
        let next = try await store.write { db in try log.emit(db, topic: "a.x", payload: ["n": 1]) }
        #expect(next.pos == 4 && next.seq == 2)
        store.close()
    }

    @Test func serviceMigrationsKeepTheirOwnVersionRange() {
        #expect(CoreMigrations.all.allSatisfy { !CoreMigrations.serviceVersions.contains($0.version) })
    }

    @Test func envelopeCodecRejectsPositionsOnEphemeralEvents() {
        #expect(throws: SchemaError.self) {
            try EnvelopeCodec.decode(Data(#"{"v":1,"src":"x","epoch":"","seq":0,"pos":4,"type":"t","data":{}}"#.utf8))
        }
        let e = Envelope(src: "x", epoch: "", seq: 0, type: "t")
        #expect(!String(decoding: EnvelopeCodec.encode(e), as: UTF8.self).contains("pos"))
    }
}
