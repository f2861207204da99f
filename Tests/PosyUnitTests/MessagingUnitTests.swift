import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosyOrders
import PosySchema
import PosyStore
import Synchronization
import Testing

@testable import PosyGateway
@testable import PosyMessaging

/// A messaging shard in process (store in a temp file, no bus): order events applied as the durable
/// subscriber would, pushes captured, time driven by the test.
@Suite struct MessagingUnitTests {
    struct Push: Sendable {
        var topic: String
        var type: String
        var data: Data
    }

    final class Shard: Sendable {
        let service: MessagingService
        let store: Store
        let pushes = Locked<[Push]>([])
        let now = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        let seq = Atomic<Int64>(0)

        init() throws {
            let path = Scratch.directory.appendingPathComponent("posy-msg-\(UUID().uuidString).db").path
            store = try Store(path: path, migrations: CoreMigrations.with(MessagingMigrations.all))
            let pushes = self.pushes
            let now = self.now
            service = MessagingService(
                store: store, instance: "messaging-1", epoch: "e1", metrics: Metrics(), logger: .init(label: "test"),
                clock: { now.withLock { $0 } },
                peer: { _, _, _, _ in throw PosyError(.notFound, "no media") },
                publish: { topic, type, data in pushes.withLock { $0.append(Push(topic: topic, type: type, data: data)) } })
        }

        func order(_ state: OrderState, courier: String? = nil, id: String = "o1", customer: String = "c1") async throws {
            let o = Order(
                id: id, shopId: "s1", conversationId: "m1-\(id)", state: state, customer: OrderCustomer(id: customer, name: "Mei"),
                recipient: nil, sender: nil, items: [OrderItem(name: "roses", quantity: 3)], cardMessage: "secret",
                handling: OrderHandling(), window: DeliveryWindow(start: "2027-01-01T10:00:00Z", end: "2027-01-01T12:00:00Z"),
                surprise: false, notes: nil, courierId: courier, createdAt: "2027-01-01T09:00:00Z",
                updatedAt: Timestamp.format(now.withLock { $0 }))
            let e = try Envelope.make(
                src: "orders", epoch: "o", seq: seq.add(1, ordering: .relaxed).newValue, type: state.eventType,
                payload: OrderEvent(
                    orderId: id, shopId: "s1", state: state, courierId: courier, conversationId: "m1-\(id)",
                    actor: "staff:st1", at: o.updatedAt, detail: nil, order: o))
            try await store.write { db in try self.service.applyOrderEvent(db, e) }
        }

        static func caller(_ sub: String, _ role: Role, shop: String? = nil) -> Viewer {
            .user(sub: sub, role: role, shop: shop, order: nil)
        }

        func say(_ who: Viewer, _ text: String, id: String = UUID().uuidString) async throws -> MessagingRPC.SendResult {
            try await service.send(
                .init(conversationId: "m1-o1", message: MessageInput(clientMsgId: id, kind: "text", text: text)), for: who)
        }

        func unread(_ who: Viewer) async throws -> Int {
            try await service.conversation(.init(conversationId: "m1-o1"), for: who).unread
        }
    }

    static let customer = Shard.caller("c1", .customer)
    static let staff = Shard.caller("st1", .staff, shop: "s1")
    static let courier = Shard.caller("k1", .courier, shop: "s1")
    static let otherCourier = Shard.caller("k2", .courier, shop: "s1")

    @Test func unreadNeverCountsOwnMessagesNeverGoesNegativeAndFollowsReadsAndRecalls() async throws {
        let shard = try Shard()
        try await shard.order(.placed)
        try await shard.order(.confirmed)
        try await shard.order(.assigned, courier: "k1")
        try await shard.order(.accepted, courier: "k1")
        // placed, confirmed, accepted are Posy's state cards: there to look at, unread for nobody.
        #expect(try await shard.unread(Self.customer) == 0)
        #expect(try await shard.unread(Self.courier) == 0)
        #expect(try await shard.unread(Self.staff) == 0)
        let first = try await shard.say(Self.customer, "hello", id: "a")
        #expect(first.message.seq == 4 && !first.duplicate)
        let again = try await shard.say(Self.customer, "hello", id: "a")
        #expect(again.duplicate && again.message == first.message)
        #expect(try await shard.unread(Self.customer) == 0, "own message not counted")
        #expect(try await shard.unread(Self.courier) == 1)
        _ = try await shard.say(Self.staff, "on it")
        #expect(try await shard.unread(Self.staff) == 1, "staff: hello, not its own, not the cards")
        #expect(try await shard.unread(Self.customer) == 1)

        // Reads: forwards only, recomputed exactly.
        let r = try await shard.service.ack(.init(conversationId: "m1-o1", read: 5), for: Self.customer)
        #expect(r.unread == 0 && r.readSeq == 5 && r.deliveredSeq == 5)
        let back = try await shard.service.ack(.init(conversationId: "m1-o1", read: 1), for: Self.customer)
        #expect(back.readSeq == 5 && back.unread == 0)
        await #expect(throws: PosyError.self) {
            try await shard.service.ack(.init(conversationId: "m1-o1", read: 6), for: Self.customer)
        }
        // A recall takes the message off unread counts of those who had not read it, and never below 0.
        let oops = try await shard.say(Self.courier, "wrong chat")
        #expect(try await shard.unread(Self.customer) == 1)
        _ = try await shard.service.recall(.init(conversationId: "m1-o1", seq: oops.message.seq), for: Self.courier)
        #expect(try await shard.unread(Self.customer) == 0)
        _ = try await shard.service.recall(.init(conversationId: "m1-o1", seq: oops.message.seq), for: Self.courier)
        #expect(try await shard.unread(Self.customer) == 0)
        // Too late to recall after the window.
        let late = try await shard.say(Self.customer, "late")
        shard.now.withLock { $0 += 121 }
        let error = await #expect(throws: PosyError.self) {
            try await shard.service.recall(.init(conversationId: "m1-o1", seq: late.message.seq), for: Self.customer)
        }
        #expect(error?.code == .conflict)
        // A card after the last read counts for nobody; a read recomputes without the cards too.
        let before = try await shard.unread(Self.staff)
        try await shard.order(.pickedUp, courier: "k1")
        #expect(try await shard.unread(Self.staff) == before && before > 0)
        let last = try await shard.service.conversation(.init(conversationId: "m1-o1"), for: Self.staff).lastSeq
        #expect(try await shard.service.ack(.init(conversationId: "m1-o1", read: last - 1), for: Self.staff).unread == 0)
    }

    @Test func courierRangeReassignmentAndReadOnly() async throws {
        let shard = try Shard()
        try await shard.order(.placed)
        _ = try await shard.say(Self.customer, "the side door, please")
        try await shard.order(.confirmed)
        try await shard.order(.assigned, courier: "k1")
        try await shard.order(.accepted, courier: "k1")
        let page = try await shard.service.list(.init(conversationId: "m1-o1"), for: Self.courier)
        #expect(page.messages.map(\.seq) == [4], "the courier sees from joining on: \(page.messages.map(\.seq))")
        let strangers = [
            Self.otherCourier, Shard.caller("c2", .customer), Shard.caller("st9", .staff, shop: "s2"),
            Viewer.user(sub: "c1", role: .customer, shop: nil, order: "o9"),
        ]
        for who in strangers {
            let e = await #expect(throws: PosyError.self) {
                try await shard.service.conversation(.init(conversationId: "m1-o1"), for: who)
            }
            #expect(e?.code == .notFound)
        }
        // Reassigned: k1 is out (404), k2 is in only after accepting.
        try await shard.order(.assigned, courier: "k2")
        let gone = await #expect(throws: PosyError.self) {
            try await shard.service.list(.init(conversationId: "m1-o1"), for: Self.courier)
        }
        #expect(gone?.code == .notFound)
        try await shard.order(.accepted, courier: "k2")
        #expect(try await shard.service.conversation(.init(conversationId: "m1-o1"), for: Self.otherCourier).canSend)
        // Delivered: the courier reads what was there and nothing newer, and may not send.
        for s in [OrderState.pickedUp, .outForDelivery, .delivered] { try await shard.order(s, courier: "k2") }
        let last = try await shard.service.conversation(.init(conversationId: "m1-o1"), for: Self.otherCourier).lastSeq
        _ = try await shard.say(Self.customer, "thank you!")
        let view = try await shard.service.conversation(.init(conversationId: "m1-o1"), for: Self.otherCourier)
        #expect(view.lastSeq == last && !view.canSend)
        let refused = await #expect(throws: PosyError.self) { try await shard.say(Self.otherCourier, "bye") }
        #expect(refused?.code == .readOnly)
        // Completed: 24 h later nobody sends; history stays readable.
        try await shard.order(.completed, courier: "k2")
        _ = try await shard.say(Self.customer, "one more thing")
        shard.now.withLock { $0 += 24 * 3600 + 1 }
        let closed = await #expect(throws: PosyError.self) { try await shard.say(Self.customer, "hello?") }
        #expect(closed?.code == .readOnly)
        #expect(try await shard.service.list(.init(conversationId: "m1-o1"), for: Self.customer).messages.count > 5)
    }

    @Test func sendValidation() throws {
        func code(_ input: MessageInput) -> ErrorCode? {
            do {
                _ = try MessagingService.validate(input)
                return nil
            } catch let e as PosyError { return e.code } catch { return .internal }
        }
        #expect(code(MessageInput(clientMsgId: "a", kind: "text", text: "hi")) == nil)
        #expect(code(MessageInput(clientMsgId: "a", kind: "text", text: String(repeating: "x", count: 4000))) == nil)
        #expect(code(MessageInput(clientMsgId: "a", kind: "text", text: String(repeating: "x", count: 4001))) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "", kind: "text", text: "hi")) == .invalidField)
        #expect(code(MessageInput(clientMsgId: String(repeating: "i", count: 65), kind: "text", text: "hi")) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "text", text: "   ")) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "sticker")) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "system", text: "fake")) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "card")) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "image")) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "voice", mediaId: "m")) == .invalidField, "a voice note needs its duration")
        #expect(code(MessageInput(clientMsgId: "a", kind: "voice", mediaId: "m", durationMs: 2000)) == nil)
        #expect(code(MessageInput(clientMsgId: "a", kind: "voice", mediaId: "m", durationMs: 2000, waveform: [0, 50, 100])) == nil)
        #expect(code(MessageInput(clientMsgId: "a", kind: "voice", mediaId: "m", durationMs: 2000, waveform: [101])) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "voice", mediaId: "m", durationMs: 2000, waveform: [-1])) == .invalidField)
        #expect(
            code(MessageInput(clientMsgId: "a", kind: "voice", mediaId: "m", durationMs: 2000, waveform: Array(repeating: 5, count: 65)))
                == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "image", mediaId: "m", waveform: [5])) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "text", text: "hi", waveform: [5])) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "location", location: ChatLocation(lat: 91, lon: 0))) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "location", location: ChatLocation(lat: .nan, lon: 0))) == .invalidField)
        #expect(code(MessageInput(clientMsgId: "a", kind: "location", location: ChatLocation(lat: 31.2, lon: 121.4, label: "gate"))) == nil)
    }

    /// A stated length agrees with the file's within 1 s or a tenth, whichever is more.
    @Test func statedLengthsAgreeWithTheFileWithinATolerance() {
        #expect(MessageInput.durationAgrees(stated: 100, file: 100))
        #expect(MessageInput.durationAgrees(stated: 1_100, file: 100))
        #expect(!MessageInput.durationAgrees(stated: 3_200, file: 100))
        #expect(MessageInput.durationAgrees(stated: 55_000, file: 60_000))
        #expect(!MessageInput.durationAgrees(stated: 50_000, file: 60_000))
    }

    @Test func pushesGoToTheRightTopicsWithEachMembersUnread() async throws {
        let shard = try Shard()
        try await shard.order(.placed)
        try await shard.order(.confirmed)
        try await shard.order(.assigned, courier: "k1")
        try await shard.order(.accepted, courier: "k1")
        shard.pushes.withLock { $0.removeAll() }
        _ = try await shard.say(Self.customer, "hi")
        let pushes = shard.pushes.withLock { $0 }
        #expect(Set(pushes.map(\.topic)) == ["to.c1.", "to.k1.", "shop.s1."])
        let router = PushRouter()
        let got = Locked<[String: [String]]>([:])
        func claims(_ sub: String, _ role: Role, _ shop: String? = nil, order: String? = nil) -> TokenClaims {
            TokenClaims(sub: sub, role: role, shop: shop, order: order, iat: 0, exp: Int64(Date().timeIntervalSince1970) + 60)
        }
        for (name, c) in [
            ("c1", claims("c1", .customer)), ("k1", claims("k1", .courier, "s1")), ("st1", claims("st1", .staff, "s1")),
            ("fake-c1", claims("c1", .courier, "s1")), ("st2", claims("st2", .staff, "s2")), ("admin", claims("a", .admin)),
            ("link-o1", claims("c1", .customer, order: "o1")), ("link-o2", claims("c1", .customer, order: "o2")),
        ] {
            _ = router.register(c) { frame in got.withLock { $0[name, default: []].append(frame) } }
        }
        for p in pushes {
            router.route(topic: p.topic, Envelope(src: "messaging-1", epoch: "", seq: 0, type: p.type, data: p.data))
        }
        let frames = got.withLock { $0 }
        #expect(frames["c1"]?.count == 1 && frames["k1"]?.count == 1 && frames["st1"]?.count == 1)
        #expect(frames["fake-c1"] == nil, "a courier named like the customer does not get the customer's push")
        // A tracking link hears about its own order only, though it names the same customer.
        #expect(frames["link-o1"]?.count == 1)
        #expect(frames["link-o2"] == nil, "a tracking link of another order got this order's chat")
        // Pushes of no order (e.g. a notification about nothing in particular) reach no link.
        let loose = UserPush(conversationId: nil, orderId: nil, role: "customer", unread: nil).encode(body: Data("{}".utf8))
        #expect(router.route(topic: "to.c1.", Envelope(src: "notify", epoch: "", seq: 0, type: "notification", data: loose)) == 1)
        #expect(frames["st2"] == nil && frames["admin"] == nil)
        #expect(frames["c1"]?.first?.contains(#""unread":0"#) == true, "\(frames["c1"] ?? [])")
        #expect(frames["k1"]?.first?.contains(#""unread":1"#) == true)
        #expect(frames["st1"]?.first?.contains(#""unread":1"#) == true, "a staff member who never read: every person's message")
    }

    @Test func chatPushesCarryTheirBodyBytesUnchanged() throws {
        let body = Data(#"{"text":"a \"body\": inside","body":{"x":1}}"#.utf8)
        let push = UserPush(
            conversationId: "m1-o1", orderId: "o1", role: "customer", unread: ["body": 2, "c\"1": 3], unreadElse: 4, only: "c1")
        let data = push.encode(body: body)
        #expect(try JSONSerialization.jsonObject(with: data) is [String: Any], "valid JSON")
        let (decoded, bytes) = try UserPush.decode(data)
        #expect(bytes == body && decoded.unread == ["body": 2, "c\"1": 3] && decoded.unreadElse == 4 && decoded.only == "c1")
        var cut = data
        cut.removeLast(3)
        #expect(throws: (any Error).self) { try UserPush.decode(cut + Data("}".utf8)) }
    }

    /// The gateway reads a push's header by hand (docs/performance.md, "CPU per message"): any key
    /// order and `null`s as JSON allows them, but nothing JSONDecoder would have refused gets through.
    @Test func pushHeadersReadByHandAcceptWhatJSONAllowsAndNothingElse() throws {
        let reordered = Data(#" {"bodyLength":7, "x":[1,{"y":null}], "role":null, "unread":{"c1":2}, "body":{"a":1} } "#.utf8)
        let (push, body) = try UserPush.decode(reordered)
        #expect(push.role == nil && push.unread == ["c1": 2] && push.bodyLength == 7 && body == Data(#"{"a":1}"#.utf8))
        for bad in [
            #"{"role":"a","role":"b","bodyLength":2,"body":{}}"#,  // a field twice
            #"{"unread":{"c1":1,"c1":2},"bodyLength":2,"body":{}}"#,  // a member's count twice
            #"{"bodyLength":3,"body":{}}"#,  // the length does not fit
            #"{"bodyLength":2,"body":{}}x"#,  // trailing bytes
            #"{"bodyLength":2,"body":{]}"#,  // a body that is not JSON
            #"{"bodyLength":2}"#,  // no body
            #"{"role":1,"bodyLength":2,"body":{}}"#,  // a role that is not a string
            #"{"unreadElse":1.5,"bodyLength":2,"body":{}}"#,  // a count that is not an integer
            "",
        ] {
            #expect(throws: SchemaError.self, "\(bad)") { try UserPush.decode(Data(bad.utf8)) }
        }
    }

    @Test func syncTokensRoundTripAndRefuseGarbage() throws {
        var t = SyncToken()
        t.shards["messaging-1"] = .init(epoch: "abc", pos: 42)
        t.shards["messaging-12"] = .init(epoch: "d:e", pos: 0)
        #expect(try SyncToken(text: t.text) == t)
        for bad in [
            "!!!", "bWVzc2FnaW5nLTE9YWJj", Data("orders=abc:1".utf8).base64EncodedString(),
            Data("messaging-1=abc:-1".utf8).base64EncodedString(),
        ] {
            #expect(throws: PosyError.self) { try SyncToken(text: bad) }
        }
        #expect(MessagingRPC.instance(of: "m2-o1") == "messaging-2")
        for bad in ["m0-o1", "m100-o1", "x2-o1", "m2-", "m-o1", "mm-1"] { #expect(MessagingRPC.instance(of: bad) == nil, "\(bad)") }
    }
}
