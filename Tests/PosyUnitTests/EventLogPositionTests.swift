import Foundation
import PosyCore
import PosySchema
import PosyStore
import Testing

/// The store-wide log position (`pos`), `events.since`, and core migration 10001 on a store
/// written before positions existed.
@Suite struct EventLogPositionTests {
    static func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("posy-pos-\(UUID().uuidString)/t.db").path
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
