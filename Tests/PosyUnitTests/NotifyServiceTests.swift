import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosyOrders
import PosySchema
import PosyStore
import Synchronization
import Testing

@testable import PosyNotify

/// posy-notify in process: rules and templates, who gets what in which language, exactly once,
/// surprises, coalescing, quiet hours and the inbox RPCs. Events are applied the way the durable
/// handler applies them (inside a write), pushes are captured.
@Suite struct NotifyServiceTests {
    struct Push: Sendable {
        var topic: String
        var type: String
        var data: Data
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    final class Station: Sendable {
        let service: NotifyService
        let store: Store
        let pushes = Locked<[Push]>([])
        let now = Locked(NotifyServiceTests.t0)
        let seq = Atomic<Int64>(0)

        init(config: NotifyConfig = NotifyConfig()) async throws {
            let path = Scratch.directory.appendingPathComponent("posy-notify-\(UUID().uuidString).db").path
            store = try Store(path: path, migrations: CoreMigrations.with(NotifyMigrations.all))
            let pushes = self.pushes
            let now = self.now
            service = NotifyService(
                store: store, config: config, links: NotifyLinks(publicURL: "https://posy.example", secret: "s3cret"), metrics: Metrics(),
                logger: .init(label: "test"), clock: { now.withLock { $0 } },
                publish: { topic, type, data in pushes.withLock { $0.append(Push(topic: topic, type: type, data: data)) } })
            _ = try await apply(
                Topic.fleetShop,
                Shop(
                    id: "s1", name: "Rosa Blooms", address: "1 Main St", lat: 31.23, lon: 121.47,
                    timeZone: "Asia/Shanghai"))
        }

        /// Applies one event as a durable handler would; returns its envelope (to apply again).
        @discardableResult
        func apply(_ type: String, _ payload: some Encodable, src: String = "orders") async throws -> Envelope {
            let e = try Envelope.make(src: src, epoch: "e", seq: seq.add(1, ordering: .relaxed).newValue, type: type, payload: payload)
            try await apply(e)
            return e
        }

        func wait(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }

        func apply(_ e: Envelope) async throws {
            try await store.write { db in try self.service.apply(db, e) }
        }

        static func order(_ state: OrderState, surprise: Bool = false, anonymous: Bool = true) -> Order {
            var o = Order(
                id: "order-0001", shopId: "s1", conversationId: "m1-o1", state: state,
                customer: OrderCustomer(id: "c1", name: "Mei", phone: "+86 138 0000 0001"),
                recipient: OrderRecipient(name: "Mum", phone: "+86 138 0000 0002", address: "9 Home Rd", lat: 31.25, lon: 121.47),
                sender: OrderSender(name: "Admirer Wu", phone: nil, anonymous: anonymous),
                items: [OrderItem(name: "carnations", quantity: 12)], cardMessage: "For the best mum", handling: OrderHandling(),
                window: DeliveryWindow(start: "2027-01-15T02:00:00Z", end: "2027-01-15T04:00:00Z"), surprise: surprise,
                notes: nil, courierId: state == .confirmed ? nil : "k1", createdAt: "2027-01-15T01:00:00Z",
                updatedAt: "2027-01-15T01:00:00Z")
            o.courier = o.courierId.map { _ in CourierSummary(firstName: "Wei", vehicle: .bike) }
            return o
        }

        @discardableResult
        func order(_ state: OrderState, surprise: Bool = false, anonymous: Bool = true) async throws -> Envelope {
            let o = Self.order(state, surprise: surprise, anonymous: anonymous)
            return try await apply(
                state.eventType,
                OrderEvent(
                    orderId: o.id, shopId: "s1", state: state, courierId: o.courierId,
                    conversationId: o.conversationId, actor: "staff:st1", at: o.updatedAt,
                    detail: nil, order: o))
        }

        func delayRisk(at: Date, eta: Date) async throws {
            var a = DeliveryAlert(orderId: "order-0001", shopId: "s1", courierId: "k1", customerId: "c1", at: Timestamp.format(at))
            a.predictedArrival = Timestamp.format(eta)
            a.windowEnd = "2027-01-15T04:00:00Z"
            a.lateBySeconds = eta.timeIntervalSince(Timestamp.parse("2027-01-15T04:00:00Z")!)
            try await apply("delivery.delayRisk", a, src: "location")
        }

        static func caller(_ sub: String, _ role: Role, shop: String? = nil) -> Viewer {
            Viewer(TokenClaims(sub: sub, role: role, shop: shop, iat: 0, exp: Int64.max))
        }

        func inbox(_ sub: String, _ role: Role, shop: String? = nil) async throws -> InboxPage {
            try await service.inbox(NotifyRPC.InboxRequest(limit: 200), for: Self.caller(sub, role, shop: shop))
        }

        func templates(_ sub: String, _ role: Role, shop: String? = nil) async throws -> [String] {
            try await inbox(sub, role, shop: shop).notifications.reversed().map(\.template)
        }
    }

    @Test func everyDefaultTemplateRendersInBothLanguagesAndBadRuleFilesAreRefused() throws {
        let set = NotifyRuleSet.defaults
        let all = Dictionary(uniqueKeysWithValues: NotifyFacts.names.map { ($0, "X") })
        for rule in set.rules {
            for locale in NotifyTemplate.locales {
                let t = try #require(set.templates[rule.template]?[locale], "\(rule.template) \(locale)")
                let text = NotifyTemplate.fill(t.title, all) + NotifyTemplate.fill(t.body, all)
                #expect(!text.contains("{") && !text.contains("—") && !t.body.isEmpty, "\(rule.template) \(locale): \(text)")
            }
        }
        // The defaults cover what the issue lists.
        let events = Set(set.rules.map(\.event))
        for e in [
            "order.confirmed", "order.assigned", "order.assignment.unacknowledged", "order.outForDelivery", "order.arriving",
            "proof.accepted", "exception.opened", "exception.escalated", "delivery.delayRisk", "order.change.applied",
            "delivery.disputed",
        ] {
            #expect(events.contains(e), "\(e)")
        }
        #expect(events.isSubset(of: NotifyRuleSet.events))
        var misspelt = set
        misspelt.rules[0].event = "order.confirmd"
        let refusal = #expect(throws: NotifyError.self) { try misspelt.validate() }
        if case .rules(let message)? = refusal {
            #expect(message.hasPrefix("rule for order.confirmd: no such event"), "\(message)")
        } else {
            Issue.record("not a rules error: \(String(describing: refusal))")
        }
        var missing = set
        missing.templates["order.confirmed"]?["zh-CN"] = nil
        #expect(throws: NotifyError.rules("template order.confirmed: no zh-CN text")) { try missing.validate() }
        var unknown = set
        unknown.templates["order.confirmed"]?["en"] = NotifyTemplate(title: "Hi {cardMessage}", body: "x")
        #expect(throws: NotifyError.rules("template order.confirmed (en): unknown placeholder {cardMessage}")) { try unknown.validate() }
        // A condition where it means nothing is refused rather than never firing.
        var unanswered = set
        unanswered.rules[0].condition = .unanswered
        #expect(throws: NotifyError.self) { try unanswered.validate() }
        var pushless = set
        pushless.rules[0].condition = .withoutPush
        #expect(throws: NotifyError.self) { try pushless.validate() }
        #expect(set.rules.contains { $0.condition == .unanswered } && set.rules.contains { $0.condition == .withoutPush })
        let path = Scratch.directory.appendingPathComponent("rules-\(UUID().uuidString).json").path
        _ = FileManager.default.createFile(
            atPath: path,
            contents: Data(
                #"{"rules":[{"event":"order.confirmed","audience":["customer"],"template":"nope","channels":["inApp"],"priority":"normal"}],"templates":{}}"#
                    .utf8))
        #expect(throws: NotifyError.rules("rule for order.confirmed: no template nope")) { try NotifyRuleSet.load(path: path) }
    }

    /// The signature a receiver computes, known in advance: the hex below is HMAC-SHA256 of
    /// `"1767225600." + body` with the secret, as `openssl dgst -sha256 -hmac` and Python's `hmac` give it.
    @Test func theWebhookSignatureIsTheDocumentedHMAC() {
        let body = Data(#"{"id":"evt-1","type":"order.delivered"}"#.utf8)
        #expect(
            WebhookSignature.sign(body: body, secret: "whsec_9f2c1e7a", at: 1_767_225_600)
                == "t=1767225600,v1=d7025a5d7c1baa9641dd96de94fe1a264e0c5ef5f67318692b4d95787d296ace")
    }

    @Test func placeholdersSignaturesAndBackoff() {
        #expect(NotifyTemplate.fill(#"{"to":"{to}","text":"{text}"}"#, ["to": "+86 1", "text": "hi"]) == #"{"to":"+86 1","text":"hi"}"#)
        #expect(NotifyTemplate.placeholders("{a} { b} {c_1}{}") == ["a", "c_1"])
        let body = Data(#"{"id":"ev_1","type":"order.confirmed"}"#.utf8)
        let header = WebhookSignature.sign(body: body, secret: "whsec_test", at: 1_800_000_000)
        #expect(header.hasPrefix("t=1800000000,v1=") && header.count == "t=1800000000,v1=".count + 64)
        #expect(WebhookSignature.verify(header: header, body: body, secret: "whsec_test", now: 1_800_000_100))
        #expect(!WebhookSignature.verify(header: header, body: body + Data(" ".utf8), secret: "whsec_test", now: 1_800_000_100))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: "whsec_other", now: 1_800_000_100))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: "whsec_test", now: 1_800_001_000), "too old")
        var config = NotifyConfig()
        config.retryBase = 10
        config.retryCap = 3600
        for (attempt, full) in [(1, 10.0), (2, 20), (5, 160), (20, 3600)] {
            let d = NotifyService.backoff(attempt: attempt, config: config)
            #expect(d >= full / 2 && d <= full, "attempt \(attempt): \(d)")
        }
    }

    @Test func eachPartyHearsTheirPartOnceInTheirLanguage() async throws {
        let s = try await Station()
        _ = try await s.service.preferences(
            NotifyRPC.PreferencesRequest(set: NotifyPreferences(locale: "zh-CN")), for: Station.caller("c1", .customer))
        try await s.order(.confirmed)
        let assigned = try await s.order(.assigned)
        try await s.order(.outForDelivery)
        let x = OrderException(
            id: "x1", orderId: "order-0001", shopId: "s1", courierId: "k1", kind: .accessDenied, note: "gate 3 locked",
            lat: nil, lon: nil, mediaIds: [], openedBy: "courier:k1", openedAt: "2027-01-15T03:30:00Z")
        try await s.apply("exception.opened", x)
        try await s.delayRisk(at: NotifyServiceTests.t0, eta: Timestamp.parse("2027-01-15T04:20:00Z")!)
        try await s.order(.arriving)
        try await s.apply(
            "proof.accepted",
            Proof(
                id: "p1", orderId: "order-0001", shopId: "s1", courierId: "k1", customerId: "c1",
                photos: [ProofMedia(id: "med1", sha256: "00", contentType: "image/jpeg", size: 1)], signature: nil, lat: nil, lon: nil,
                accuracy: nil, handedTo: HandOver(kind: .recipient), recipientName: nil, note: nil, checks: nil,
                submittedAt: "2027-01-15T04:15:00Z"), src: "receipts")
        // Replays (a restart before the cursor moved, a repeated event) send nothing again.
        try await s.apply(assigned)

        #expect(
            try await s.templates("c1", .customer) == [
                "order.confirmed", "order.outForDelivery", "delayRisk.customer",
                "order.arriving", "delivered",
            ])
        #expect(try await s.templates("k1", .courier, shop: "s1") == ["order.assigned"])
        #expect(try await s.templates("st1", .staff, shop: "s1") == ["exception.opened", "delayRisk.staff", "delivered"])
        #expect(try await s.templates("c2", .customer).isEmpty)
        #expect(try await s.templates("st9", .staff, shop: "s2").isEmpty)

        let customer = try await s.inbox("c1", .customer).notifications
        #expect(customer.allSatisfy { $0.locale == "zh-CN" })
        let apology = try #require(customer.first { $0.template == "delayRisk.customer" })
        #expect(apology.body == "非常抱歉：您的花可能晚到约 20 分钟，预计 12:20 送达。" && apology.priority == .high)
        let onTheWay = try #require(customer.first { $0.template == "order.outForDelivery" })
        #expect(onTheWay.link?.hasPrefix("https://posy.example/t/") == true && onTheWay.body.contains(onTheWay.link!))
        let token = String(onTheWay.link!.dropFirst("https://posy.example/t/".count))
        let claims = try TokenSigner(secret: "s3cret").verify(token)
        #expect(claims.sub == "c1" && claims.role == .customer && claims.order == "order-0001")
        let staff = try await s.inbox("st1", .staff, shop: "s1").notifications
        #expect(
            staff.first { $0.template == "exception.opened" }?.body
                == "Order order-0001: the courier reports no access (gate closed). gate 3 locked")
        #expect(staff.first { $0.template == "delivered" }?.link == "https://posy.example/v1/media/med1")
        let courier = try await s.inbox("k1", .courier, shop: "s1").notifications
        #expect(courier.first?.body == "Order order-0001 is yours: deliver between 10:00–12:00. Please accept it.")

        // The pushes went to each person's devices (staff: the shop's topic, staff only), once each.
        let pushes = s.pushes.withLock { $0 }
        #expect(pushes.allSatisfy { $0.type == "notification" })
        #expect(pushes.filter { $0.topic == Topic.user("c1") }.count == 5)
        #expect(pushes.filter { $0.topic == Topic.user("k1") }.count == 1)
        #expect(pushes.filter { $0.topic == UserPush.shopTopic("s1") }.count == 3)
        let staffPush = try UserPush.decode(try #require(pushes.first { $0.topic == UserPush.shopTopic("s1") }).data)
        #expect(staffPush.0.role == "staff")
    }

    @Test func anETAChangeSpeaksAtMostOnceInFiveMinutesUnlessItMovedTenMinutes() async throws {
        let s = try await Station()
        try await s.order(.outForDelivery)
        let eta = Timestamp.parse("2027-01-15T04:20:00Z")!
        try await s.delayRisk(at: NotifyServiceTests.t0, eta: eta)
        // 2 min later, 5 min worse:
        try await s.delayRisk(at: NotifyServiceTests.t0.addingTimeInterval(120), eta: eta.addingTimeInterval(300))
        try await s.delayRisk(at: NotifyServiceTests.t0.addingTimeInterval(180), eta: eta.addingTimeInterval(900))  // moved 15 min: now
        try await s.delayRisk(at: NotifyServiceTests.t0.addingTimeInterval(540), eta: eta.addingTimeInterval(960))  // 6 min after the last
        let customer = try await s.inbox("c1", .customer).notifications.filter { $0.template == "delayRisk.customer" }
        #expect(customer.count == 3)
        // Staff hear every crossing (their rule is not coalesced).
        #expect(try await s.inbox("st1", .staff, shop: "s1").notifications.filter { $0.template == "delayRisk.staff" }.count == 4)
    }

    @Test func surprisesWaitForTheDoorAndAnAnonymousSenderIsNeverNamedToRecipientOrCourier() async throws {
        let s = try await Station()
        let surprise = Station.order(.outForDelivery, surprise: true)
        let out = try #require(
            try NotifyEvent.read(
                try Envelope.make(
                    src: "orders", epoch: "e", seq: 1, type: "order.outForDelivery",
                    payload: OrderEvent(
                        orderId: surprise.id, shopId: "s1", state: .outForDelivery, courierId: "k1", conversationId: "m",
                        actor: "courier:k1", at: "t", detail: nil, order: surprise))))
        let people = try await s.store.read { db in try s.service.people(db, .recipient, event: out, order: surprise, shop: nil) }
        #expect(people.isEmpty)
        var door = out
        door.type = "order.arriving"
        let arriving = door
        let atTheDoor = try await s.store.read { db in try s.service.people(db, .recipient, event: arriving, order: surprise, shop: nil) }
        #expect(atTheDoor.map(\.phone) == ["+86 138 0000 0002"])
        let links = NotifyLinks(publicURL: "https://posy.example", secret: "s3cret")
        for locale in NotifyTemplate.locales {
            for audience in [NotifyRule.Audience.recipient, .courier] {
                let facts = NotifyFacts.make(arriving, order: surprise, shop: nil, audience: audience, locale: locale, links: links)
                #expect(!facts.values.values.contains { $0.contains("Admirer Wu") || $0.contains("best mum") })
                #expect(facts.values["trackingLink"] == nil)
                let t = try #require(NotifyRuleSet.defaults.template("recipient.arriving", locale: locale))
                #expect(!NotifyTemplate.fill(t.body, facts.values).contains("Admirer"))
            }
        }
        let named = Station.order(.arriving, anonymous: false)
        #expect(
            NotifyFacts.make(arriving, order: named, shop: nil, audience: .recipient, locale: "en", links: links).values["sender"]
                == "Admirer Wu")
        // The recipient has no inbox: nothing in-app is stored for them.
        try await s.order(.arriving, surprise: true)
        let rows = try await s.store.read { db in try db.query("SELECT count(*) FROM inbox WHERE person LIKE 'recipient:%'").first?.int(0) }
        #expect(rows == 0)
    }

    @Test func quietHoursKeepTheInboxButHoldTheBuzzExceptForWhatMustBeKnownNow() async throws {
        let s = try await Station()
        // 08:00 UTC is 16:00 in Shanghai; quiet 15:00–09:00 there.
        _ = try await s.service.preferences(
            NotifyRPC.PreferencesRequest(set: NotifyPreferences(quietStart: "15:00", quietEnd: "09:00", timeZone: "Asia/Shanghai")),
            for: Station.caller("c1", .customer))
        try await s.order(.confirmed)  // normal
        try await s.delayRisk(at: NotifyServiceTests.t0, eta: Timestamp.parse("2027-01-15T04:30:00Z")!)  // high
        #expect(try await s.templates("c1", .customer) == ["order.confirmed", "delayRisk.customer"])
        #expect(s.pushes.withLock { $0 }.filter { $0.topic == Topic.user("c1") }.count == 1)
        #expect(
            NotifyService.isQuiet(NotifyPreferences(quietStart: "22:00", quietEnd: "07:00"), at: Timestamp.parse("2027-01-15T23:30:00Z")!))
        #expect(
            !NotifyService.isQuiet(NotifyPreferences(quietStart: "22:00", quietEnd: "07:00"), at: Timestamp.parse("2027-01-15T12:00:00Z")!))
    }

    @Test func theInboxPagesMarksReadAndKeepsToItsOwner() async throws {
        let s = try await Station()
        for state in [OrderState.confirmed, .outForDelivery, .arriving] { try await s.order(state) }
        let first = try await s.service.inbox(NotifyRPC.InboxRequest(limit: 2), for: Station.caller("c1", .customer))
        #expect(first.notifications.map(\.template) == ["order.arriving", "order.outForDelivery"] && first.unread == 3)
        let rest = try await s.service.inbox(NotifyRPC.InboxRequest(before: first.next, limit: 2), for: Station.caller("c1", .customer))
        #expect(rest.notifications.map(\.template) == ["order.confirmed"] && rest.next == nil)
        let id = first.notifications[0].id
        await #expect(throws: PosyError.self) {
            try await s.service.markRead(NotifyRPC.ReadRequest(id: id), for: Station.caller("c2", .customer))
        }
        let read = try await s.service.markRead(NotifyRPC.ReadRequest(id: id), for: Station.caller("c1", .customer))
        #expect(read.readAt != nil)
        let again = try await s.service.markRead(NotifyRPC.ReadRequest(id: id), for: Station.caller("c1", .customer))
        #expect(again.readAt == read.readAt)
        let unread = try await s.service.inbox(NotifyRPC.InboxRequest(unreadOnly: true), for: Station.caller("c1", .customer))
        #expect(unread.notifications.count == 2 && unread.unread == 2)
        for bad in [
            NotifyPreferences(locale: "fr"), NotifyPreferences(quietStart: "25:00"), NotifyPreferences(timeZone: "Mars/Base"),
            NotifyPreferences(email: "nope"), NotifyPreferences(phone: "call me"),
        ] {
            await #expect(throws: PosyError.self) {
                _ = try await s.service.preferences(NotifyRPC.PreferencesRequest(set: bad), for: Station.caller("c1", .customer))
            }
        }
        // A tracking link's token has no inbox; staff of another shop cannot name this one's manager.
        let link = Viewer(TokenClaims(sub: "c1", role: .customer, order: "order-0001", iat: 0, exp: Int64.max))
        await #expect(throws: PosyError.self) { _ = try await s.service.inbox(NotifyRPC.InboxRequest(), for: link) }
        await #expect(throws: PosyError.self) {
            _ = try await s.service.shopSettings(
                NotifyRPC.ShopSettingsRequest(
                    shopId: "s1",
                    set: ShopNotifySettings(managerId: "st9")), for: Station.caller("st9", .staff, shop: "s2"))
        }
    }

    @Test func oldNotificationsFinishedDeliveriesAndSendKeysArePrunedPendingOnesStay() async throws {
        var config = NotifyConfig()
        config.retention = 10 * 86_400
        config.smsURL = "http://127.0.0.1:9/sms"  // queued, never sent here
        let s = try await Station(config: config)
        try await s.order(.confirmed)
        try await s.order(.outForDelivery)  // SMS to the customer and the recipient queued
        // One ended in the dead-letter list; the other is still being retried.
        try await s.store.write { db in _ = try db.run("UPDATE outbound SET state = 'dead' WHERE target = '+86 138 0000 0001'") }
        s.wait(11 * 86_400)
        try await s.order(.arriving)  // new: the customer's in-app and the recipient's SMS stay
        let before = try await s.store.read { db in try db.query("SELECT count(*) FROM sends").first?.int(0) ?? 0 }
        let pruned = try await s.service.prune()
        #expect(pruned > 0)
        #expect(try await s.templates("c1", .customer) == ["order.arriving"])
        let left = try await s.store.read { db in
            (
                try db.query("SELECT state, count(*) FROM outbound GROUP BY state").map { "\($0.string(0)!) \($0.int(1)!)" },
                try db.query("SELECT count(*) FROM sends").first?.int(0) ?? -1
            )
        }
        #expect(left.0 == ["pending 2"], "the old pending one and the new one: \(left.0)")
        #expect(left.1 == 2 && before == 6, "sends \(before) → \(left.1)")
    }

    static var localTargets: NotifyConfig {
        var c = NotifyConfig()
        c.allowLocalTargets = true
        return c
    }

    @Test func aWebhookNamesOnlyEventsThatExist() async throws {
        let s = try await Station(config: Self.localTargets)
        let staff = Station.caller("st1", .staff, shop: "s1")
        func create(_ events: [String]) async -> ErrorCode? {
            do {
                _ = try await s.service.createWebhook(
                    NotifyRPC.WebhookCreateRequest(url: "http://127.0.0.1:9/hook", events: events), for: staff)
                return nil
            } catch let e as PosyError {
                return e.code
            } catch {
                return .internal
            }
        }
        for good in [["order.delivered"], ["order.*"], ["*"], ["delivery.delayRisk", "exception.*", "proof.accepted"]] {
            #expect(await create(good) == nil, "\(good)")
        }
        // Misspelt, and a prefix under which no event of an order's life exists.
        for bad in [["order.delivred"], ["order.delivered", "delivery.late"], ["fleet.*"], ["orders.*"]] {
            #expect(await create(bad) == .invalidField, "\(bad)")
        }
    }

    @Test func aDeletedWebhookEndsItsPendingDeliveriesAsDead() async throws {
        let s = try await Station(config: Self.localTargets)
        let staff = Station.caller("st1", .staff, shop: "s1")
        let hook = try await s.service.createWebhook(
            NotifyRPC.WebhookCreateRequest(url: "http://127.0.0.1:9/hook", events: ["order.*"]), for: staff)
        #expect(hook.secret?.hasPrefix("whsec_") == true)
        try await s.order(.confirmed)
        #expect(
            try await s.service.deliveries(NotifyRPC.WebhookDeliveriesRequest(webhookId: hook.id), for: staff).map(\.state) == [.pending]
        )
        await #expect(throws: PosyError.self) {
            _ = try await s.service.deleteWebhook(
                NotifyRPC.WebhookRef(webhookId: hook.id), for: Station.caller("st9", .staff, shop: "s2"))
        }
        _ = try await s.service.deleteWebhook(NotifyRPC.WebhookRef(webhookId: hook.id), for: staff)
        let rows = try await s.store.read { db in
            try db.query("SELECT o.state, a.error FROM outbound o JOIN outbound_attempts a ON a.delivery_id = o.id").map {
                "\($0.string(0)!) \($0.string(1) ?? "")"
            }
        }
        #expect(rows == ["dead webhook deleted"])
        try await s.order(.outForDelivery)
        #expect(try await s.store.read { db in try db.query("SELECT count(*) FROM outbound WHERE channel = 'webhook'").first?.int(0) } == 1)
        #expect(try await s.service.webhooks(ShopRef(shopId: "s1"), for: staff).isEmpty)
    }

    @Test func anEscalatedExceptionReachesTheShopsManager() async throws {
        let s = try await Station()
        _ = try await s.service.shopSettings(
            NotifyRPC.ShopSettingsRequest(
                shopId: "s1",
                set: ShopNotifySettings(managerId: "boss")), for: Station.caller("st1", .staff, shop: "s1"))
        var x = OrderException(
            id: "x1", orderId: "order-0001", shopId: "s1", courierId: "k1", kind: .damaged, note: nil,
            lat: nil, lon: nil, mediaIds: [], openedBy: "courier:k1", openedAt: "2027-01-15T03:30:00Z")
        x.escalatedAt = "2027-01-15T03:40:00Z"
        try await s.apply("exception.escalated", x)
        let boss = try await s.inbox("boss", .staff, shop: "s1").notifications
        #expect(boss.map(\.title) == ["Unanswered problem: damaged flowers"])
        #expect(boss.first?.body == "Nobody at Rosa Blooms has acknowledged the damaged flowers on order order-0001.")
    }

    /// Webhooks are for the public internet unless the operator allows local targets.
    @Test func aWebhookIntoThePrivateNetworkIsRefusedWithAStableCode() async throws {
        let s = try await Station()
        let staff = Station.caller("st1", .staff, shop: "s1")
        for url in [
            "http://127.0.0.1:7110/", "http://localhost:7101/", "http://[::1]/", "http://169.254.169.254/latest", "http://2130706433/",
        ] {
            await #expect(throws: PosyError.self, "\(url)") {
                do {
                    _ = try await s.service.createWebhook(NotifyRPC.WebhookCreateRequest(url: url, events: ["order.*"]), for: staff)
                } catch let e as PosyError {
                    #expect(e.code == .destinationNotAllowed, "\(url): \(e)")
                    throw e
                }
            }
        }
        await #expect(throws: PosyError.self) {
            _ = try await s.service.createWebhook(
                NotifyRPC.WebhookCreateRequest(url: "file:///etc/passwd", events: ["order.*"]), for: staff)
        }
    }

    /// The signature's `t` is wall-clock time even on a test clock (here months ahead): receivers
    /// compare it with their own clocks.
    @Test func webhookSignaturesCarryWallClockTime() async throws {
        let s = try await Station(config: Self.localTargets)
        let receiver = try LoopbackListener()
        let staff = Station.caller("st1", .staff, shop: "s1")
        let hook = try await s.service.createWebhook(
            NotifyRPC.WebhookCreateRequest(
                url: "http://127.0.0.1:\(receiver.port)/hook", events: ["order.confirmed"], secret: "whsec_0123456789abcdef"), for: staff
        )
        try await s.order(.confirmed)
        #expect(try await s.service.deliverDue() == 1)
        let request = try #require(receiver.requests.first)
        let parts = request.components(separatedBy: "\r\n\r\n")
        let header = try #require(parts[0].split(separator: "\r\n").first { $0.lowercased().hasPrefix("posy-signature:") })
        let value = header.dropFirst("posy-signature:".count).trimmingCharacters(in: .whitespaces)
        let body = Data(parts.dropFirst().joined(separator: "\r\n\r\n").utf8)
        let wall = Int64(Date().timeIntervalSince1970)
        #expect(WebhookSignature.verify(header: value, body: body, secret: "whsec_0123456789abcdef", now: wall))
        #expect(
            !WebhookSignature.verify(
                header: value, body: body, secret: "whsec_0123456789abcdef", now: Int64(NotifyServiceTests.t0.timeIntervalSince1970)))
        #expect(!WebhookSignature.verify(header: value, body: body + Data(" ".utf8), secret: "whsec_0123456789abcdef", now: wall))
        #expect(
            try await s.service.deliveries(NotifyRPC.WebhookDeliveriesRequest(webhookId: hook.id), for: staff).map(\.state) == [
                .delivered
            ])
    }
}
