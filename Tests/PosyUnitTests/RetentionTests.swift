import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosyStore
import Testing

@testable import PosyLocation
@testable import PosyMessaging
@testable import PosyNotify
@testable import PosyOrders

/// Each kind of personal data past its retention, on a test clock (docs/operations.md, "Retention").
@Suite struct RetentionTests {
    let admin = Viewer.user(sub: "a", role: .admin, shop: nil, order: nil)
    let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)

    @Test func contactDetailsOfEndedOrdersGoAfterTheShopsDaysAndEveryStoreIsAsked() async throws {
        let clock = OrdersTimerTests.TestClock()
        let path = Scratch.directory.appendingPathComponent("posy-retention-\(UUID().uuidString)/orders.db").path
        let (svc, store) = try await OrdersTimerTests.open(path, clock)
        defer { store.close() }
        _ = try await svc.createShop(Shop(id: "s1", name: "Lily's", address: "1", lat: 31, lon: 121, timeZone: "Asia/Shanghai"), by: admin)
        let ended = try await svc.create(OrdersServiceTests.newOrder(), by: staff)
        _ = try await svc.transition(ended.id, to: .cancelled, by: staff, reason: "customer called")
        let open = try await svc.create(OrdersServiceTests.newOrder(), by: staff)

        // A shop may choose within the bounds; staff who do not manage it may not.
        await LocationServiceTests.expectCode(.invalidField) {
            _ = try await svc.setRetention(shop: "s1", ShopRetention(contactDays: 0.5), by: admin)
        }
        await LocationServiceTests.expectCode(.invalidField) {
            _ = try await svc.setRetention(shop: "s1", ShopRetention(chatDays: 400), by: admin)
        }
        await LocationServiceTests.expectCode(.forbidden) {
            _ = try await svc.setRetention(shop: "s1", ShopRetention(contactDays: 2), by: staff)
        }

        // The deployment's 30 days: nothing at 29.
        clock.advance(29 * 86_400)
        #expect(try await svc.redactExpiredContacts() == 0)
        let shop = try await svc.setRetention(shop: "s1", ShopRetention(contactDays: 7), by: admin)
        #expect(shop.retention?.contactDays == 7)
        #expect(try await svc.redactExpiredContacts() == 1)
        #expect(try await svc.redactExpiredContacts() == 0, "once")

        let redacted = try await svc.order(ended.id, for: staff)
        #expect(redacted.recipient?.phone == nil && redacted.recipient?.address == nil && redacted.recipient?.lat == nil)
        #expect(redacted.recipient?.name == "Mother" && redacted.cardMessage == "For the best mum", "names stay until an erasure")
        #expect(redacted.contactRedacted != nil && redacted.erasure == nil)
        let kept = try await svc.order(open.id, for: staff)
        #expect(kept.recipient?.phone == "+86 138 0000 0002", "an open order keeps its contact details")
        // Every other store is asked, for contact details only; the shop's change went out to them too.
        let events = try await OrdersTimerTests.topics(store, PrivacyEvents.erasure.topic)
        let work = try EnvelopeCodec.decode(try #require(events.first)).decode(PrivacyEvents.erasure)
        #expect(events.count == 1 && work.scope == .contact && work.orders.map(\.orderId) == [ended.id])
        #expect(Set(work.needles) == ["+86 138 0000 0002", "12 Garden Rd"], "\(work.needles)")
        let stored = try await store.read { db in
            try db.query("SELECT envelope FROM outbox WHERE topic LIKE 'order.%'").map { String(decoding: $0.data(0)!, as: UTF8.self) }
        }
        #expect(!stored.contains { $0.contains("Garden Rd") && $0.contains(ended.id) }, "its own events lose the address too")
        #expect(try await OrdersTimerTests.topics(store, Topic.fleetShop).count == 2)
    }

    @Test func chatPastItsRetentionKeepsOnlyWhoSaidSomethingAndWhen() async throws {
        let s = try MessagingUnitTests.Shard()
        try await s.order(.placed)
        _ = try await s.say(MessagingUnitTests.Shard.caller("c1", .customer), "Ring twice at 12 Garden Rd")
        try await s.order(.completed)
        func advance(_ seconds: Double) { s.now.withLock { $0 = $0.addingTimeInterval(seconds) } }
        advance(89 * 86_400)
        #expect(try await s.service.clearExpiredChats() == 0)
        advance(2 * 86_400)
        #expect(try await s.service.clearExpiredChats() == 1)
        #expect(try await s.service.clearExpiredChats() == 0, "once")
        let messages = try await s.store.read { db in
            try db.query("SELECT body FROM messages WHERE conversation_id = 'm1-o1'").map {
                try JSON.decode(ChatMessage.self, from: $0.data(0)!)
            }
        }
        let said = try #require(messages.first { $0.party == .customer })
        #expect(said.text == nil && said.erasedAt != nil && said.senderId == "c1")
        #expect(messages.allSatisfy { $0.text == nil && $0.card == nil }, "\(messages)")

        // A shop's shorter choice is applied the same way.
        try await s.order(.placed, id: "o2")
        try await s.store.write { db in try db.run("INSERT INTO shops(id, time_zone, chat_days) VALUES ('s1', 'UTC', 7)") }
        try await s.order(.cancelled, id: "o2")
        advance(8 * 86_400)
        #expect(try await s.service.clearExpiredChats() == 1)
    }

    @Test func positionsPastRetentionLeaveEachDeliverysSummary() async throws {
        let s = try await LocationServiceTests.Station()
        try await s.order(.accepted)
        try await s.order(.pickedUp)
        for metres in [0.0, 300, 600, 900] {
            s.wait(30)
            try await s.at(north: metres)
        }
        s.wait(30)
        try await s.order(.delivered)
        let before = try await s.service.track(.init(orderId: "o1"), for: .service(ServiceName.receipts))
        #expect(before.points.count == 4 && abs(before.distanceMeters - 900) < 5, "\(before)")
        s.wait(29 * 86_400)
        #expect(try await s.service.prunePositions() == 0)
        s.wait(2 * 86_400)
        #expect(try await s.service.prunePositions() == 4)
        let after = try await s.service.track(.init(orderId: "o1"), for: .service(ServiceName.receipts))
        #expect(after.points.isEmpty && after.distanceMeters == before.distanceMeters && after.until == before.until)
        // Off duty, nothing is recorded at all.
        try await s.courier("k1", onDuty: false)
        await LocationServiceTests.expectCode(.offDuty) { try await s.at(north: 10) }
    }
}

/// A courier's separate consent to location collection (docs/protocol.md, "Privacy").
@Suite struct LocationConsentTests {
    @Test func aCourierGoesOnDutyOnlyAfterAgreeingAndWithdrawingTakesThemOff() async throws {
        let path = Scratch.directory.appendingPathComponent("posy-consent-\(UUID().uuidString)/orders.db").path
        let store = try Store(path: path, migrations: CoreMigrations.with(OrdersMigrations.all))
        defer { store.close() }
        let events = try await EventLog(store: store, src: "orders", publisher: nil, metrics: Metrics())
        let svc = OrdersService(store: store, events: events, consentMode: .app)
        let admin = Viewer.user(sub: "a", role: .admin, shop: nil, order: nil)
        let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
        let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)
        _ = try await svc.createShop(Shop(id: "s1", name: "Lily's", address: "1", lat: 31, lon: 121, timeZone: "Asia/Shanghai"), by: admin)
        let created = try await svc.createCourier(
            Courier(id: "k1", shopId: "s1", name: "Li", phone: "+86 131 0000 0001", vehicle: .bike, onDuty: true), by: admin)
        #expect(!created.onDuty && created.locationConsent == nil, "a new courier has agreed to nothing")

        await LocationServiceTests.expectCode(.consentRequired) { _ = try await svc.setDuty("k1", onDuty: true, by: courier) }
        await LocationServiceTests.expectCode(.consentRequired) { _ = try await svc.setDuty("k1", onDuty: true, by: staff) }
        await LocationServiceTests.expectCode(.forbidden) {
            _ = try await svc.setConsent("k1", accepted: true, version: CourierConsent.currentVersion, by: staff)
        }
        await LocationServiceTests.expectCode(.invalidField) {
            _ = try await svc.setConsent("k1", accepted: true, version: "location-0", by: courier)
        }
        let agreed = try await svc.setConsent("k1", accepted: true, version: CourierConsent.currentVersion, by: courier)
        #expect(agreed.locationConsent?.version == CourierConsent.currentVersion)
        #expect(try await svc.setDuty("k1", onDuty: true, by: staff).onDuty)
        let withdrawn = try await svc.setConsent("k1", accepted: false, version: CourierConsent.currentVersion, by: courier)
        #expect(!withdrawn.onDuty && withdrawn.locationConsent == nil)
        // posy-location hears each change: the last says off duty, so no position is taken.
        let last = try #require(try await OrdersTimerTests.topics(store, Topic.fleetCourier).last)
        #expect(try EnvelopeCodec.decode(last).decode(OrdersEvents.courier).onDuty == false)
    }
}

/// posy-notify's part of a contact-scoped erasure: the send log keeps when and how, not to whom.
@Suite struct NotifyContactRetentionTests {
    @Test func messagesToTheRecipientsNumberLoseTheirAddressAndContent() async throws {
        let path = Scratch.directory.appendingPathComponent("posy-notify-\(UUID().uuidString)/notify.db").path
        let store = try Store(path: path, migrations: CoreMigrations.with(NotifyMigrations.all))
        defer { store.close() }
        try await store.write { db in
            for (id, target) in [("d1", "+86 138 0000 0002"), ("d2", "+86 139 1111 2222")] {
                try db.run(
                    "INSERT INTO outbound(id, channel, target, event, body, state, created_at) VALUES (?, 'sms', ?, 'order.arriving', ?, 'delivered', 0)",
                    id, target, Data("Your flowers are at 12 Garden Rd".utf8))
            }
        }
        let work = ErasureWork(
            requestId: "er1", orders: [ErasureTarget(orderId: "o1", shopId: "s1", conversationId: "m1-o1", customerId: "c1")],
            needles: ["+86 138 0000 0002", "12 Garden Rd"], at: "2026-12-05T10:00:00.000Z", scope: .contact)
        let counts = try await store.write { db in try NotifyService.forget(db, work, scrub: PersonalScrub(needles: work.needles)) }
        #expect(counts["outbound"] == 1)
        let rows = try await store.read { db in
            try db.query("SELECT id, target, length(body) FROM outbound ORDER BY id").map { ($0.string(1) ?? "", $0.int(2) ?? -1) }
        }
        #expect(rows[0].0 == "" && rows[0].1 == 0, "\(rows)")
        #expect(rows[1].0 == "+86 139 1111 2222" && rows[1].1 > 0, "another person's message is theirs")
    }
}
