import Foundation
import PosyAccess
import PosyCore
import PosyOrders
import PosySchema
import PosyStore
import Testing

@Suite struct OrdersServiceTests {
    let admin = Viewer.user(sub: "a1", role: .admin, shop: nil, order: nil)
    let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
    let otherStaff = Viewer.user(sub: "st2", role: .staff, shop: "s2", order: nil)
    let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)
    let customer = Viewer.user(sub: "c1", role: .customer, shop: nil, order: nil)

    static func service(shards: [Int] = [1, 2]) async throws -> (OrdersService, Store) {
        let path = Scratch.directory.appendingPathComponent("posy-orders-\(UUID().uuidString)/orders.db").path
        let store = try Store(path: path, migrations: CoreMigrations.with(OrdersMigrations.all))
        let events = try await EventLog(store: store, src: "orders", publisher: nil, metrics: Metrics())
        return (OrdersService(store: store, events: events, shards: shards), store)
    }

    static func newOrder(lat: Double = 31.23, end: String = "2026-05-10T12:00:00Z", recipient: String = "Mother") -> NewOrder {
        NewOrder(
            shopId: "s1", customer: OrderCustomer(id: "c1", name: "Mei"),
            recipient: OrderRecipient(name: recipient, phone: "+86 138 0000 0002", address: "12 Garden Rd", lat: lat, lon: 121.47),
            sender: OrderSender(name: "Admirer Wu", phone: nil, anonymous: true),
            items: [OrderItem(name: "carnations", quantity: 12)], cardMessage: "For the best mum",
            handling: OrderHandling(noDoorstep: true),
            window: DeliveryWindow(start: "2026-05-10T10:00:00Z", end: end))
    }

    func setUp() async throws -> (OrdersService, Store) {
        let (svc, store) = try await Self.service()
        _ = try await svc.createShop(
            Shop(id: "s1", name: "Lily's", address: "1 Flower St", lat: 31.2, lon: 121.4, timeZone: "Asia/Shanghai"), by: admin)
        _ = try await svc.createShop(
            Shop(id: "s2", name: "Rosa", address: "2 Bloom St", lat: 31.3, lon: 121.5, timeZone: "Asia/Shanghai"), by: admin)
        _ = try await svc.createCourier(
            Courier(id: "k1", shopId: "s1", name: "Li Wei", phone: "+86 1", vehicle: .ebike, onDuty: true), by: admin)
        return (svc, store)
    }

    func code(_ body: () async throws -> Any) async -> ErrorCode? {
        do {
            _ = try await body()
            return nil
        } catch let e as PosyError {
            return e.code
        } catch {
            return .internal
        }
    }

    @Test func theCarnationsStoryWithTimelineAndEvents() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        let order = try await svc.create(Self.newOrder(), by: staff)
        #expect(order.state == .placed)
        #expect(order.conversationId == "m1-\(order.id)" || order.conversationId == "m2-\(order.id)")
        _ = try await svc.transition(order.id, to: .confirmed, by: staff)
        _ = try await svc.transition(order.id, to: .assigned, by: staff, courierId: "k1")
        let forCustomer = try await svc.order(order.id, for: customer)
        #expect(forCustomer.courier == CourierSummary(firstName: "Li", vehicle: .ebike) && forCustomer.courierId == nil)
        let seen = try await svc.order(order.id, for: courier)
        #expect(seen.cardMessage == nil && seen.sender == nil && seen.recipient?.phone != nil)
        _ = try await svc.transition(order.id, to: .accepted, by: courier)
        _ = try await svc.transition(order.id, to: .pickedUp, by: courier)
        _ = try await svc.transition(order.id, to: .outForDelivery, by: courier)
        _ = try await svc.transition(order.id, to: .arriving, by: .service("location"))
        let delivered = try await svc.transition(order.id, to: .delivered, by: .service("receipts"))
        #expect(delivered.deliveredAt != nil)

        let timeline = try await svc.timeline(order.id, for: staff)
        #expect(timeline.map(\.state) == [.placed, .confirmed, .assigned, .accepted, .pickedUp, .outForDelivery, .arriving, .delivered])
        #expect(
            timeline.map(\.actor) == [
                "staff:st1", "staff:st1", "staff:st1", "courier:k1", "courier:k1", "courier:k1",
                "service:location", "service:receipts",
            ])
        #expect(timeline[2].detail == "courier k1")
        // Each step is one durable event in the outbox (one per state topic here).
        let outbox = try await store.read { db in
            try db.query("SELECT topic, seq FROM outbox WHERE topic LIKE 'order.%'").map { ($0.string(0)!, $0.int(1)!) }
        }
        // The shop and its couriers went out as fleet events (posy-location keeps them).
        let fleet = try await store.read { db in try db.query("SELECT topic FROM outbox WHERE topic LIKE 'fleet.%'").map { $0.string(0)! } }
        #expect(fleet.filter { $0 == Topic.fleetShop }.count == 2 && fleet.contains(Topic.fleetCourier))
        #expect(outbox.count == timeline.count)
        #expect(Set(outbox.map(\.0)) == Set(timeline.map(\.state.eventType)))
        #expect(outbox.allSatisfy { $0.1 == 1 })
        let event = try await store.read { db in try db.queryOne("SELECT envelope FROM outbox WHERE topic = 'order.assigned'")!.data(0)! }
        let payload = try EnvelopeCodec.decode(event).decode(OrderEvent.self)
        #expect(payload.courierId == "k1" && payload.orderId == order.id && payload.actor == "staff:st1")
    }

    /// The courier declines (or staff take the assignment back): the order waits for a courier again,
    /// the reason is on the timeline, and the courier's reply is their own view — no card, no sender.
    @Test func aCourierDeclinesAndTheOrderWaitsForACourierAgain() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        _ = try await svc.createCourier(
            Courier(id: "k2", shopId: "s1", name: "Zhang San", phone: "+86 2", vehicle: .car, onDuty: true), by: admin)
        let order = try await svc.create(Self.newOrder(), by: staff)
        _ = try await svc.transition(order.id, to: .confirmed, by: staff)
        let before = Date()
        let assigned = try await svc.transition(order.id, to: .assigned, by: staff, courierId: "k1")
        let acceptBy = try #require(assigned.acceptBy.flatMap(Timestamp.parse))
        #expect(abs(acceptBy.timeIntervalSince(before) - 180) < 5, "acceptBy \(assigned.acceptBy ?? "-")")
        let k2 = Viewer.user(sub: "k2", role: .courier, shop: "s1", order: nil)
        #expect(await code { try await svc.transition(order.id, to: .confirmed, by: k2) } == .notFound, "not k2's to decline")
        #expect(await code { try await svc.transition(order.id, to: .confirmed, by: customer) } == .forbidden)

        let declined = try await svc.transition(order.id, to: .confirmed, by: courier, reason: "flat tyre")
        #expect(declined.state == .confirmed && declined.courierId == nil && declined.acceptBy == nil)
        #expect(declined.cardMessage == nil && declined.sender == nil, "the courier's reply is the courier's view")
        #expect(await code { try await svc.order(order.id, for: courier) } == .notFound, "no longer theirs")
        let forStaff = try await svc.order(order.id, for: staff)
        #expect(forStaff.courierId == nil && forStaff.courier == nil && forStaff.cardMessage != nil)
        let last = try #require(try await svc.timeline(order.id, for: staff).last)
        #expect(last.state == .confirmed && last.actor == "courier:k1" && last.detail == "declined by courier k1: flat tyre")
        let customersLast = try #require(try await svc.timeline(order.id, for: customer).last)
        #expect(customersLast.actor == "courier" && customersLast.detail == nil, "the customer learns no courier id or reason")

        // Accepted, then handed back by staff; a picked-up order is no longer declined.
        _ = try await svc.transition(order.id, to: .assigned, by: staff, courierId: "k2")
        _ = try await svc.transition(order.id, to: .accepted, by: k2)
        let back = try await svc.transition(order.id, to: .confirmed, by: staff)
        #expect(back.state == .confirmed && back.courierId == nil)
        #expect(try await svc.timeline(order.id, for: staff).last?.detail == "unassigned from courier k2")
        _ = try await svc.transition(order.id, to: .assigned, by: staff, courierId: "k1")
        _ = try await svc.transition(order.id, to: .accepted, by: courier)
        _ = try await svc.transition(order.id, to: .pickedUp, by: courier)
        #expect(await code { try await svc.transition(order.id, to: .confirmed, by: courier) } == .invalidTransition)
    }

    /// Renewing an order's tracking link ends every older one, as a session: the new generation
    /// stands, the old is reported ended; only the shop or the signed-in customer renews.
    @Test func aRenewedTrackingLinkEndsTheOlderOnes() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        let order = try await svc.create(Self.newOrder(), by: staff)
        let first = TrackingLink.sid(order: order.id, generation: 0)
        #expect(TrackingLink.parse(first)! == (order.id, 0) && TrackingLink.parse("ss1") == nil && TrackingLink.parse("tl..1") == nil)
        #expect(try await svc.endedAccess(.init(sessions: [first])).sessions.isEmpty, "the first link stands")
        let link = Viewer.user(sub: "c1", role: .customer, shop: nil, order: order.id)
        #expect(await code { try await svc.renewTrackingLink(order.id, by: link) } == .sessionRequired)
        #expect(await code { try await svc.renewTrackingLink(order.id, by: otherStaff) } == .notFound)
        let renewed = try await svc.renewTrackingLink(order.id, by: staff)
        #expect(renewed.generation == 1 && renewed.customerId == "c1" && renewed.windowEnd == order.window.end)
        let second = TrackingLink.sid(order: order.id, generation: 1)
        #expect(try await svc.endedAccess(.init(sessions: [first, second])).sessions == [first])
        #expect(try await svc.renewTrackingLink(order.id, by: customer).generation == 2, "the customer signed in")
        #expect(try await svc.endedAccess(.init(sessions: [second, TrackingLink.sid(order: "o-none", generation: 0)])).sessions.count == 2)
        _ = try await svc.transition(order.id, to: .confirmed, by: staff)
        _ = try await svc.transition(order.id, to: .assigned, by: staff, courierId: "k1")
        #expect(try await svc.order(order.id, for: staff).linkGeneration == 2)
        #expect(try await svc.order(order.id, for: courier).linkGeneration == nil, "the courier has no business with the links")
    }

    @Test func invalidTransitionsAndForeignViewersAreRefused() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        let order = try await svc.create(Self.newOrder(), by: staff)
        #expect(await code { try await svc.transition(order.id, to: .pickedUp, by: staff) } == .invalidTransition)
        #expect(await code { try await svc.transition(order.id, to: .confirmed, by: otherStaff) } == .notFound)
        #expect(await code { try await svc.order(order.id, for: otherStaff) } == .notFound)
        #expect(await code { try await svc.order(order.id, for: courier) } == .notFound)  // not assigned yet
        #expect(await code { try await svc.order("o-nope", for: admin) } == .notFound)
        #expect(await code { try await svc.transition(order.id, to: .confirmed, by: customer) } == .forbidden)
        _ = try await svc.transition(order.id, to: .confirmed, by: staff)
        #expect(await code { try await svc.transition(order.id, to: .assigned, by: staff, courierId: "k-unknown") } == .invalidField)
        #expect(await code { try await svc.transition(order.id, to: .confirmed, by: staff) } == .invalidTransition)
        // A refused move leaves no trace.
        #expect(try await svc.timeline(order.id, for: staff).count == 2)
    }

    @Test func creationValidatesFieldsAndRoles() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        #expect(await code { try await svc.create(Self.newOrder(lat: 91), by: staff) } == .invalidField)
        #expect(await code { try await svc.create(Self.newOrder(end: "2026-05-10T09:00:00Z"), by: staff) } == .invalidField)
        #expect(await code { try await svc.create(Self.newOrder(recipient: " "), by: staff) } == .invalidField)
        #expect(await code { try await svc.create(Self.newOrder(), by: otherStaff) } == .forbidden)
        #expect(await code { try await svc.create(Self.newOrder(), by: courier) } == .forbidden)
        #expect(
            await code { try await svc.createShop(Shop(id: "", name: "x", address: "", lat: 0, lon: 0, timeZone: "UTC"), by: staff) }
                == .forbidden)
        #expect(
            await code { try await svc.createShop(Shop(id: "", name: "x", address: "", lat: 0, lon: 0, timeZone: "Mars/Base"), by: admin) }
                == .invalidField)
        #expect(await code { try await svc.couriers(shop: "s1", for: otherStaff) } == .notFound)
        #expect(try await svc.couriers(shop: "s1", for: staff).map(\.id) == ["k1"])
    }

    @Test func aDropOffTakenWithTheOrderIsTheShopsOwn() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        var new = Self.newOrder()
        new.dropOff = DropOffInstruction(kind: .handToNeighbour, description: "Mrs Wang, No. 14", allowedByShop: false)
        let order = try await svc.create(new, by: staff)
        #expect(order.dropOff == DropOffInstruction(kind: .handToNeighbour, description: "Mrs Wang, No. 14", allowedByShop: true))
        #expect(try await svc.order(order.id, for: staff).dropOff?.allowedByShop == true)
        new.dropOff = DropOffInstruction(kind: .safePlace, description: "  ")
        #expect(await code { try await svc.create(new, by: staff) } == .invalidField)
        new.dropOff = DropOffInstruction(kind: .safePlace, description: String(repeating: "x", count: 501))
        #expect(await code { try await svc.create(new, by: staff) } == .invalidField)
    }

    /// A shop names its couriers with its own reference, unique within the shop alone; their id is
    /// Posy's. Nothing a shop can send tells it whether another shop has a courier (no oracle).
    @Test func courierIdsArePosysAndAShopsReferencesAreItsOwn() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        func courier(_ shop: String, id: String = "", ref: String?) -> Courier {
            Courier(id: id, shopId: shop, ref: ref, name: "Wang", phone: "+86 139 0000 0003", vehicle: .bike, onDuty: true)
        }
        let first = try await svc.createCourier(courier("s1", ref: "Staff 7"), by: staff)
        #expect(first.id.hasPrefix("k") && first.id.count == 17 && first.ref == "Staff 7")
        // The same reference again in the same shop: 409; in another shop: another courier.
        #expect(await code { try await svc.createCourier(courier("s1", ref: "Staff 7"), by: staff) } == .conflict)
        let elsewhere = try await svc.createCourier(courier("s2", ref: "Staff 7"), by: otherStaff)
        #expect(elsewhere.id != first.id)
        // A shop may not choose an id: with one in use elsewhere or not, the answer is the same.
        #expect(await code { try await svc.createCourier(courier("s2", id: "k1", ref: nil), by: otherStaff) } == .invalidField)
        #expect(await code { try await svc.createCourier(courier("s2", id: "k-unused", ref: nil), by: otherStaff) } == .invalidField)
        // The operator may (moving couriers in); a taken id is theirs to learn, as they see every shop.
        #expect(try await svc.createCourier(courier("s2", id: "k77", ref: nil), by: admin).id == "k77")
        #expect(await code { try await svc.createCourier(courier("s1", id: "k77", ref: nil), by: admin) } == .conflict)
        #expect(await code { try await svc.createCourier(courier("s1", id: "k.7", ref: nil), by: admin) } == .invalidField)
        #expect(await code { try await svc.createCourier(courier("s1", ref: ""), by: staff) } == .invalidField)
        let listed = try await svc.couriers(shop: "s1", for: staff)
        #expect(listed.contains { $0.id == first.id && $0.ref == "Staff 7" } && !listed.contains { $0.id == elsewhere.id })
    }

    @Test func idempotencyKeyReturnsTheFirstOrder() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        let first = try await svc.create(Self.newOrder(), by: staff, idempotencyKey: "k-1")
        let again = try await svc.create(Self.newOrder(), by: staff, idempotencyKey: "k-1")
        #expect(again == first)
        #expect(await code { try await svc.create(Self.newOrder(lat: 30), by: staff, idempotencyKey: "k-1") } == .conflict)
        let other = try await svc.create(Self.newOrder(), by: staff, idempotencyKey: "k-2")
        #expect(other.id != first.id)
        // Keys are the caller's own: a colleague's "k-1" is another order, not the first one.
        let colleague = try await svc.create(
            Self.newOrder(), by: .user(sub: "st2", role: .staff, shop: "s1", order: nil), idempotencyKey: "k-1")
        #expect(colleague.id != first.id)
        // Concurrent retries with one key still make one order.
        let ids = try await withThrowingTaskGroup(of: String.self) { g in
            for _ in 0..<20 { g.addTask { try await svc.create(Self.newOrder(), by: staff, idempotencyKey: "k-3").id } }
            var all = Set<String>()
            for try await id in g { all.insert(id) }
            return all
        }
        #expect(ids.count == 1)
        let count = try await store.read { db in try db.queryOne("SELECT COUNT(*) FROM orders")?.int(0) }
        #expect(count == 4)
        let placed = try await store.read { db in try db.queryOne("SELECT COUNT(*) FROM outbox WHERE topic = 'order.placed'")?.int(0) }
        #expect(placed == 4)
    }

    @Test func conversationsSpreadOverTheShardSet() async throws {
        let (svc, store) = try await setUp()
        defer { store.close() }
        var shards = Set<String>()
        for _ in 0..<40 { shards.insert(String(try await svc.create(Self.newOrder(), by: staff).conversationId.prefix(2))) }
        #expect(shards == ["m1", "m2"])
    }
}

@Suite struct OrdersListTests {
    @Test func pagesAreScopedToTheViewerAndNeverSkipOrRepeat() async throws {
        let t = OrdersServiceTests()
        let (svc, store) = try await t.setUp()
        defer { store.close() }
        _ = try await svc.createCourier(
            Courier(id: "k9", shopId: "s2", name: "Zhang", phone: "+86 132 0000 0002", vehicle: .bike, onDuty: true),
            by: .user(sub: "a1", role: .admin, shop: nil, order: nil))
        var mine: [String] = []
        for i in 0..<23 {
            let o = try await svc.create(OrdersServiceTests.newOrder(), by: t.staff)
            mine.append(o.id)
            if i % 5 == 0 {
                _ = try await svc.transition(o.id, to: .confirmed, by: t.staff)
                _ = try await svc.transition(o.id, to: .assigned, by: t.staff, courierId: "k1")
            }
        }
        var other = OrdersServiceTests.newOrder()
        other.shopId = "s2"
        _ = try await svc.create(other, by: t.otherStaff)

        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await svc.list(for: t.staff, cursor: cursor, limit: 10)
            #expect(page.items.count <= 10)
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == mine)
        #expect(try await svc.list(for: t.otherStaff).items.count == 1)
        #expect(try await svc.list(for: .user(sub: "a1", role: .admin, shop: nil, order: nil), limit: 200).items.count == 24)
        let courierPage = try await svc.list(for: t.courier)
        #expect(courierPage.items.count == 5)
        #expect(courierPage.items.allSatisfy { $0.cardMessage == nil && $0.sender == nil })
        #expect(try await svc.list(for: t.staff, status: .assigned).items.count == 5)
        #expect(try await svc.list(for: t.customer, limit: 200).items.count == 24)  // c1 is the customer of every sample order
        #expect(try await svc.list(for: .user(sub: "c1", role: .customer, shop: nil, order: mine[3])).items.map(\.id) == [mine[3]])
        await #expect { try await svc.list(for: t.staff, cursor: "%%%") } throws: { ($0 as? PosyError)?.code == .badRequest }
        await #expect { try await svc.list(for: t.staff, limit: 0) } throws: { ($0 as? PosyError)?.code == .invalidField }
    }
}

@Suite struct OrderChangesTests {
    @Test func atOnceBeforePickupWithApprovalAfter() async throws {
        let t = OrdersServiceTests()
        let (svc, store) = try await t.setUp()
        defer { store.close() }
        let order = try await svc.create(OrdersServiceTests.newOrder(), by: t.staff)
        let moved = try await svc.requestChange(
            orderId: order.id, ChangeInput(address: AddressChange(address: "3 New Rd", lat: 31.3, lon: 121.5)), by: t.customer)
        #expect(moved.state == .applied)
        #expect(try await svc.order(order.id, for: t.staff).recipient?.address == "3 New Rd")
        for s in [OrderState.confirmed, .assigned, .accepted, .pickedUp] {
            _ = try await svc.transition(order.id, to: s, by: s == .accepted || s == .pickedUp ? t.courier : t.staff, courierId: "k1")
        }
        let window = DeliveryWindow(start: "2026-05-10T14:00:00Z", end: "2026-05-10T16:00:00Z")
        let later = try await svc.requestChange(orderId: order.id, ChangeInput(window: window), by: t.customer)
        #expect(later.state == .pending)
        #expect(try await svc.order(order.id, for: t.staff).window.start == "2026-05-10T10:00:00Z")
        let rejected = try await svc.decideChange(
            orderId: order.id, changeId: later.id, approve: false, reason: "courier already near", by: t.staff)
        #expect(rejected.state == .rejected && rejected.reason == "courier already near")
        let again = try await svc.requestChange(orderId: order.id, ChangeInput(window: window), by: t.staff)
        _ = try await svc.decideChange(orderId: order.id, changeId: again.id, approve: true, reason: nil, by: t.staff)
        #expect(try await svc.order(order.id, for: t.courier).window == window)
        await #expect {
            try await svc.decideChange(orderId: order.id, changeId: again.id, approve: true, reason: nil, by: t.staff)
        } throws: {
            ($0 as? PosyError)?.code == .invalidTransition
        }
        // Not the courier's to change, nor another customer's; one field at a time.
        await #expect {
            try await svc.requestChange(
                orderId: order.id, ChangeInput(dropOff: DropOffInstruction(kind: .safePlace, description: "porch")), by: t.courier)
        } throws: {
            ($0 as? PosyError)?.code == .forbidden
        }
        await #expect {
            try await svc.requestChange(
                orderId: order.id, ChangeInput(window: window), by: .user(sub: "c9", role: .customer, shop: nil, order: nil))
        } throws: {
            ($0 as? PosyError)?.code == .notFound
        }
        await #expect {
            try await svc.requestChange(
                orderId: order.id, ChangeInput(address: AddressChange(address: "x", lat: 1, lon: 1), window: window), by: t.customer)
        } throws: {
            ($0 as? PosyError)?.code == .invalidField
        }
        let topics = try await store.read { db in
            try db.query("SELECT topic, COUNT(*) FROM outbox WHERE topic LIKE 'order.change.%' GROUP BY topic ORDER BY topic").map {
                "\($0.string(0)!)=\($0.int(1)!)"
            }
        }
        #expect(topics == ["order.change.applied=2", "order.change.rejected=1", "order.change.requested=2"])
    }

    /// A tracking link follows, chats, asks and confirms; it does not redirect or cancel the flowers
    /// (docs/protocol.md, "What a tracking link may do").
    @Test func aTrackingLinkAsksButNeverRedirectsOrCancels() async throws {
        let t = OrdersServiceTests()
        let (svc, store) = try await t.setUp()
        defer { store.close() }
        let order = try await svc.create(OrdersServiceTests.newOrder(), by: t.staff)
        let link = Viewer.user(sub: "c1", role: .customer, shop: nil, order: order.id)
        #expect(link.isTrackingLink && !t.customer.isTrackingLink)
        await #expect {
            try await svc.requestChange(
                orderId: order.id, ChangeInput(address: AddressChange(address: "1 Thief Ln", lat: 31.3, lon: 121.5)), by: link)
        } throws: {
            ($0 as? PosyError)?.code == .sessionRequired
        }
        await #expect { try await svc.transition(order.id, to: .cancelled, by: link) } throws: {
            ($0 as? PosyError)?.code == .sessionRequired
        }
        // Asking is fine, but even before pickup it waits for the shop.
        let asked = try await svc.requestChange(
            orderId: order.id, ChangeInput(dropOff: DropOffInstruction(kind: .handToNeighbour, description: "No. 5")), by: link)
        #expect(asked.state == .pending)
        #expect(try await svc.order(order.id, for: t.staff).dropOff == nil)
        let window = DeliveryWindow(start: "2026-05-10T14:00:00Z", end: "2026-05-10T16:00:00Z")
        #expect(try await svc.requestChange(orderId: order.id, ChangeInput(window: window), by: link).state == .pending)
        _ = try await svc.decideChange(orderId: order.id, changeId: asked.id, approve: true, reason: nil, by: t.staff)
        #expect(try await svc.order(order.id, for: t.staff).dropOff?.description == "No. 5")
        // A link of another order is nobody here; the customer's own sign-in still cancels.
        let otherLink = Viewer.user(sub: "c1", role: .customer, shop: nil, order: "o-other")
        await #expect { try await svc.transition(order.id, to: .cancelled, by: otherLink) } throws: {
            ($0 as? PosyError)?.code == .notFound
        }
        #expect(try await svc.transition(order.id, to: .cancelled, by: t.customer).state == .cancelled)
    }
}
