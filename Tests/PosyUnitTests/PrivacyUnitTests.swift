import Foundation
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore
import Testing

@testable import PosyReceipts

/// The pieces of an erasure that need no running suite (docs/architecture.md, "Privacy").
@Suite struct PrivacyUnitTests {
    @Test func theScrubFindsThePersonHoweverTheirStringsAreWritten() throws {
        let s = PersonalScrub(needles: ["Zhou Yuehua", "+86 139 1234 5678", "李娜", "Xinhua Road 88"])
        #expect(s.matches("zhou   yuehua is not home"))
        #expect(s.matches("call 13912345678 please") && s.matches("(139) 1234-5678"))
        #expect(s.matches("李娜") && !s.matches("李娜娜 is someone else"), "a short needle matches only the whole string")
        #expect(s.matches("Deliver to XINHUA ROAD 88, Room 3"))
        #expect(!s.matches("carnations") && !s.matches("2026-12-05T10:00:00Z") && !s.matches(""))
        #expect(s.text("hi Zhou Yuehua") == "" && s.text("hello") == "hello")
        let value = try JSON.decode(
            JSONValue.self,
            from: Data(
                #"{"order":{"recipient":{"name":"Zhou Yuehua","lat":31.2,"lon":121.4},"items":[{"name":"roses","quantity":2}]},"change":{"address":{"address":"x","lat":1,"lon":2}},"seq":7}"#
                    .utf8))
        let scrubbed = try #require(s.data(try JSON.encode(value), coordinates: true))
        #expect(
            String(decoding: scrubbed, as: UTF8.self)
                == #"{"change":{"address":null},"order":{"items":[{"name":"roses","quantity":2}],"recipient":{"lat":null,"lon":null,"name":""}},"seq":7}"#
        )
        #expect(s.data(try JSON.encode(["text": "nothing personal"]), coordinates: true) == nil, "unchanged JSON is left as it was")
        #expect(PersonalScrub(needles: []).isEmpty && PersonalScrub(needles: ["  "]).isEmpty)
    }

    struct Handed: Codable {
        var recipientName: String?
        var lat: Double?
        var photos: [String]
        var note: String?
    }

    /// Events a store could not apply are copies of other stores' events: an erasure rewrites those
    /// of its orders, and they go when the outbox's retention says.
    @Test func setAsideEventsAreScrubbedByAnErasureAndPrunedWithTheOutbox() async throws {
        let path = Scratch.directory.appendingPathComponent("posy-dead-\(UUID().uuidString)/n.db").path
        let store = try Store(path: path, migrations: CoreMigrations.with([]))
        defer { store.close() }
        struct Snapshot: Codable {
            var orderId: String
            var recipient: String
            var phone: String
        }
        let mine = try Envelope.make(
            src: "orders", epoch: "e", seq: 1, type: "order.created",
            payload: Snapshot(orderId: "o1", recipient: "Zhou Yuehua", phone: "+86 139 1234 5678"))
        let other = try Envelope.make(
            src: "orders", epoch: "e", seq: 2, type: "order.created",
            payload: Snapshot(orderId: "o2", recipient: "Li Na", phone: "+86 138 0000 0000"))
        let now = Date()
        try await store.write { db in
            for (e, at) in [(mine, now.timeIntervalSince1970), (other, now.timeIntervalSince1970 - 8 * 24 * 3600)] {
                try db.run(
                    "INSERT INTO dead_events(src, topic, epoch, seq, envelope, error, at) VALUES (?,?,?,?,?,?,?)", e.src, e.type, e.epoch,
                    e.seq, EnvelopeCodec.encode(e), "failed", at)
            }
        }
        let scrub = PersonalScrub(needles: ["Zhou Yuehua", "+86 139 1234 5678"])
        #expect(try await store.write { db in try PrivacyAgent.scrubDeadEvents(db, orders: ["o1"], scrub: scrub) } == 1)
        let kept = try await store.read { db in try db.query("SELECT envelope FROM dead_events ORDER BY seq").compactMap { $0.data(0) } }
        #expect(kept.count == 2)
        let text = kept.map { String(decoding: $0, as: UTF8.self) }
        #expect(!text[0].contains("Zhou") && !text[0].contains("1234") && text[0].contains("o1"), "\(text[0])")
        #expect(text[1].contains("Li Na"), "another order's dead event is not this erasure's")
        let log = try await EventLog(store: store, src: "notify", publisher: nil, metrics: Metrics())
        #expect(try await log.prune(olderThanHours: 168, store: store, now: now) == 1)
        #expect(try await store.read { db in try db.query("SELECT seq FROM dead_events").compactMap { $0.int(0) } } == [1])
    }

    static let seal = EvidenceSeal(secret: "suite-secret")

    @Test func evidenceCommitsToPersonalFieldsSoThatErasingThemIsNotTampering() async throws {
        let path = Scratch.directory.appendingPathComponent("posy-personal-\(UUID().uuidString)/r.db").path
        let store = try Store(path: path, migrations: CoreMigrations.with(ReceiptsMigrations.all))
        defer { store.close() }
        try await store.write { db in
            try EvidenceChain.append(
                db, seal: Self.seal, orderId: "o1", kind: "proof", at: "t1",
                Handed(recipientName: "Zhou Yuehua", lat: 31.2, photos: ["abc"], note: nil))
            try EvidenceChain.append(db, seal: Self.seal, orderId: "o1", kind: "note", at: "t2", Handed(photos: ["def"]))
        }
        func verify() async throws -> ChainVerification {
            try await store.read { db in
                EvidenceChain.verify(
                    orderId: "o1", try EvidenceChain.records(db, orderId: "o1"), head: try EvidenceChain.head(db, orderId: "o1"),
                    seal: Self.seal, personal: try EvidencePersonal.load(db, orderId: "o1"))
            }
        }
        let records = try await store.read { db in try EvidenceChain.records(db, orderId: "o1") }
        // The hashed body holds commitments, never the values.
        #expect(!records[0].body.contains("Zhou") && !records[0].body.contains("31.2") && records[0].body.contains("commitment"))
        let personal = try await store.read { db in try EvidencePersonal.load(db, orderId: "o1") }
        #expect(personal.opened(records[0]) == #"{"lat":31.2,"photos":["abc"],"recipientName":"Zhou Yuehua"}"#)
        let intact = try await verify()
        #expect(intact.ok && intact.erased == nil)

        // A kept value changed is caught.
        try await store.write { db in
            try db.run("UPDATE evidence_personal SET value = '\"Someone Else\"' WHERE path = '/recipientName'")
        }
        let changed = try await verify()
        #expect(changed.firstMismatch?.reason.contains("does not match its commitment") == true)
        // Deleted without an erasure: caught.
        try await store.write { db in try db.run("DELETE FROM evidence_personal WHERE path = '/recipientName'") }
        let deleted = try await verify()
        #expect(deleted.firstMismatch?.reason.contains("no erasure records it") == true)
        // Erased: the chain verifies and names the fields.
        try await store.write { db in
            try db.run(
                "INSERT INTO evidence_erasures(order_id, n, path, at, request_id) SELECT order_id, n, path, 't3', 'er1' FROM evidence_personal"
            )
            try db.run("INSERT INTO evidence_erasures(order_id, n, path, at, request_id) VALUES ('o1', 1, '/recipientName', 't3', 'er1')")
            try db.run("DELETE FROM evidence_personal")
        }
        let verdict = try await verify()
        #expect(verdict.ok, "\(verdict)")
        #expect(verdict.erased?.map(\.field) == ["/lat", "/recipientName"] && verdict.erased?.first?.kind == "proof")
        let erasedPersonal = try await store.read { db in try EvidencePersonal.load(db, orderId: "o1") }
        #expect(erasedPersonal.opened(records[0]) == #"{"lat":null,"photos":["abc"],"recipientName":null}"#)
    }
}
