import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosyOrders
import PosySchema
import PosyStore
import Synchronization
import Testing

@testable import PosyLocation

/// posy-location in process (store in a temp file, no bus): fleet and order events applied as the
/// durable subscriber would, pushes captured, durable events read from the outbox, and time driven
/// by the test: an hour of delivery runs in well under a second.
@Suite struct LocationServiceTests {
    struct Push: Sendable {
        var topic: String
        var type: String
        var data: Data
    }

    static let shop = (lat: 31.2300, lon: 121.4700)
    /// About 2 km north of the shop.
    static let home = (lat: 31.2480, lon: 121.4700)
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    final class Station: Sendable {
        let service: LocationService
        let store: Store
        let pushes = Locked<[Push]>([])
        let now = Locked(LocationServiceTests.t0)
        let seq = Atomic<Int64>(0)

        init(config: LocationConfig = LocationConfig()) async throws {
            let path = Scratch.directory.appendingPathComponent("posy-loc-\(UUID().uuidString).db").path
            store = try Store(path: path, migrations: CoreMigrations.with(LocationMigrations.all))
            let events = try await EventLog(store: store, src: "location", publisher: nil, metrics: Metrics())
            let pushes = self.pushes
            let now = self.now
            service = LocationService(
                store: store, events: events, config: config, metrics: Metrics(), logger: .init(label: "test"),
                clock: { now.withLock { $0 } },
                publish: { topic, type, data in pushes.withLock { $0.append(Push(topic: topic, type: type, data: data)) } })
            try await apply(
                Topic.fleetShop,
                Shop(
                    id: "s1", name: "Rosa", address: "1 Main St", lat: LocationServiceTests.shop.lat,
                    lon: LocationServiceTests.shop.lon, timeZone: "Asia/Shanghai"))
            try await courier("k1")
            try await courier("k2")
        }

        var clock: Date { now.withLock { $0 } }
        func wait(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }

        func apply(_ type: String, _ payload: some Encodable) async throws {
            let e = try Envelope.make(src: "orders", epoch: "o", seq: seq.add(1, ordering: .relaxed).newValue, type: type, payload: payload)
            try await store.write { db in
                if type == Topic.fleetShop {
                    try self.service.applyShop(db, try e.decode(OrdersEvents.shop))
                } else if type == Topic.fleetCourier {
                    try self.service.applyCourier(db, try e.decode(OrdersEvents.courier))
                } else {
                    try self.service.applyOrderEvent(db, e)
                }
            }
        }

        func courier(_ id: String, onDuty: Bool = true, vehicle: Vehicle = .bike) async throws {
            try await apply(
                Topic.fleetCourier, Courier(id: id, shopId: "s1", name: "Wei \(id)", phone: "1", vehicle: vehicle, onDuty: onDuty))
        }

        /// Moves order `id` to `state` with courier `courier`, window ending `windowEnd` seconds after t0.
        func order(
            _ state: OrderState, id: String = "o1", courier: String? = "k1", customer: String = "c1",
            windowEnd: Double = 7200
        ) async throws {
            let end = Timestamp.format(LocationServiceTests.t0.addingTimeInterval(windowEnd))
            var o = Order(
                id: id, shopId: "s1", conversationId: "m1-\(id)", state: state, customer: OrderCustomer(id: customer, name: "Mei"),
                recipient: OrderRecipient(
                    name: "Mum", phone: "2", address: "9 Home Rd", lat: LocationServiceTests.home.lat,
                    lon: LocationServiceTests.home.lon),
                sender: nil, items: [OrderItem(name: "carnations", quantity: 12)], cardMessage: nil, handling: OrderHandling(),
                window: DeliveryWindow(start: Timestamp.format(LocationServiceTests.t0), end: end), surprise: false, notes: nil,
                courierId: courier, createdAt: Timestamp.format(LocationServiceTests.t0), updatedAt: Timestamp.format(clock))
            o.courier = courier.map { _ in CourierSummary(firstName: "Wei", vehicle: .bike) }
            try await apply(
                state.eventType,
                OrderEvent(
                    orderId: id, shopId: "s1", state: state, courierId: courier,
                    conversationId: "m1-\(id)", actor: "staff:st1", at: o.updatedAt, detail: nil, order: o))
        }

        static func caller(_ sub: String, _ role: Role, shop: String? = "s1") -> Viewer {
            .user(sub: sub, role: role, shop: role == .customer ? nil : shop, order: nil)
        }

        static func fix(_ lat: Double, _ lon: Double, at: Date, accuracy: Double = 5) -> PositionFix {
            PositionFix(lat: lat, lon: lon, accuracy: accuracy, at: Timestamp.format(at))
        }

        @discardableResult
        func send(_ fixes: [PositionFix], as courier: String = "k1") async throws -> IngestReply {
            try await service.ingest(.init(positions: fixes), for: Self.caller(courier, .courier))
        }

        /// Sends one fix at the station's time, `metres` north of the shop.
        @discardableResult
        func at(north metres: Double, east: Double = 0, as courier: String = "k1") async throws -> IngestReply {
            let lat = LocationServiceTests.shop.lat + metres / 111_195
            let lon = LocationServiceTests.shop.lon + east / (111_195 * cos(LocationServiceTests.shop.lat * .pi / 180))
            return try await send([Self.fix(lat, lon, at: clock)], as: courier)
        }

        /// The durable events raised so far, by topic.
        func events(_ topic: String) throws -> [DeliveryAlert] {
            try SQLiteConnection(path: store.path, readOnly: true)
                .query("SELECT envelope FROM outbox WHERE topic = ? ORDER BY seq", topic)
                .map { try EnvelopeCodec.decode($0.data(0)!).decode(DeliveryAlert.self) }
        }

        func pushes(_ type: String, to topic: String) -> [Push] { pushes.withLock { $0 }.filter { $0.type == type && $0.topic == topic } }
    }

    static func expectCode(_ code: ErrorCode, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected \(code.rawValue)", sourceLocation: sourceLocation)
        } catch let e as PosyError {
            #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Without statistics SQLite once answered these from the index of all active deliveries, one
    /// lookup per active delivery for every position.
    @Test func deliveryLookupsUseTheirNarrowIndexes() async throws {
        let station = try await Station()
        let plans = try await station.store.read { db in
            try [DeliveryRow.activeByCourier, DeliveryRow.activeByShop].map { sql in
                try db.query("EXPLAIN QUERY PLAN " + sql, "x").compactMap { $0.string(3) }.joined(separator: "; ")
            }
        }
        #expect(plans[0].contains("USING INDEX deliveries_courier (courier_id=? AND active=?)"), "\(plans[0])")
        #expect(plans[1].contains("USING INDEX deliveries_shop (shop_id=? AND active=?)"), "\(plans[1])")
    }

    /// A delivery an older version stored as JSON moves on with the next position and is stored
    /// again in tagged bytes (docs/architecture.md, "Location").
    @Test func aDeliveryStoredAsJSONMovesOnAndIsStoredAgainAsBytes() async throws {
        let s = try await Station()
        try await s.order(.accepted)
        try await s.at(north: 0)
        func body() async throws -> Data {
            try await s.store.read { db in try db.queryOne("SELECT body FROM deliveries WHERE order_id = 'o1'")!.data(0)! }
        }
        let stored = try DeliveryRow.decode(try await body())
        #expect(try await body().first == DeliveryRow.bytesMarker)
        try await s.store.write { db in
            try db.run("UPDATE deliveries SET body = ? WHERE order_id = 'o1'", try JSON.encode(stored))
        }
        #expect(try await body().first == UInt8(ascii: "{"))
        s.wait(5)
        try await s.at(north: 20)
        let after = try await body()
        #expect(after.first == DeliveryRow.bytesMarker)
        let moved = try DeliveryRow.decode(after)
        #expect(moved.lastHeard == s.clock.timeIntervalSince1970 && moved.lastHeard != stored.lastHeard)
        #expect(moved.orderId == "o1" && moved.courierId == "k1" && moved.assignedAt == stored.assignedAt)
    }

    @Test func onlyCouriersOnDutySendAndBadBatchesGetTheirCodes() async throws {
        let s = try await Station()
        let good = Station.fix(Self.shop.lat, Self.shop.lon, at: s.clock)
        await Self.expectCode(.offDuty) { try await s.send([good], as: "k9") }
        try await s.courier("k2", onDuty: false)
        await Self.expectCode(.offDuty) { try await s.send([good], as: "k2") }
        await Self.expectCode(.forbidden) {
            _ = try await s.service.ingest(.init(positions: [good]), for: Station.caller("st1", .staff))
        }
        await Self.expectCode(.tooLarge) { try await s.send(Array(repeating: good, count: 10_001)) }
        await Self.expectCode(.invalidField) { try await s.send([]) }
        // Nothing good in it: 422, each point's reason in the message.
        await Self.expectCode(.invalidField) {
            try await s.send([
                Station.fix(91, 0, at: s.clock), Station.fix(.nan, 0, at: s.clock),
                Station.fix(0, 0, at: s.clock.addingTimeInterval(365 * 86_400)),
            ])
        }
        // Good points are kept whatever is wrong with the others; each bad one says why.
        let reply = try await s.send([
            Station.fix(91, 0, at: s.clock),
            good,
            Station.fix(Self.shop.lat, Self.shop.lon, at: s.clock.addingTimeInterval(365 * 86_400)),
            Station.fix(Self.shop.lat, Self.shop.lon, at: s.clock.addingTimeInterval(-1), accuracy: 500),
            good,
        ])
        #expect(reply.accepted == 1)
        #expect(
            reply.dropped == [
                DroppedFix(index: 0, reason: .invalidCoordinates), DroppedFix(index: 2, reason: .future),
                DroppedFix(index: 3, reason: .inaccurate), DroppedFix(index: 4, reason: .duplicate),
            ])
        let metrics = s.service.metrics
        #expect(metrics.counter("positions_accepted") == 1)
        #expect(metrics.counter("positions_dropped_future") == 2 && metrics.counter("positions_dropped_invalidCoordinates") == 3)
        #expect(metrics.counter("positions_dropped_inaccurate") == 1 && metrics.counter("positions_dropped_duplicate") == 1)
    }

    /// A gateway's gathered batch: each courier judged as alone, each with its own outcome.
    @Test func aGatheredBatchJudgesEachCourierAsAlone() async throws {
        let s = try await Station()
        try await s.courier("k2", onDuty: false)
        try await s.courier("k3")
        let good = Station.fix(Self.shop.lat, Self.shop.lon, at: s.clock)
        func item(_ courier: String, _ shop: String, _ positions: [PositionFix]) -> LocationRPC.IngestBatchRequest.Item {
            .init(courier: courier, shop: shop, positions: positions)
        }
        let reply = try await s.service.ingest(
            LocationRPC.IngestBatchRequest(items: [
                item("k1", "s1", [good]),
                item("k2", "s1", [good]),  // off duty
                item("k3", "s9", [good]),  // not this courier's shop
                item("k9", "s1", [good]),  // nobody
                item("k3", "s1", [Station.fix(91, 0, at: s.clock)]),
                item("k3", "s1", [Station.fix(91, 0, at: s.clock), good, good]),
            ]))
        #expect(reply.results.map { $0.error?.code } == [nil, ErrorCode.offDuty, .offDuty, .offDuty, .invalidField, nil])
        #expect(reply.results[0].reply == IngestReply(accepted: 1, dropped: []))
        #expect(
            reply.results[5].reply
                == IngestReply(
                    accepted: 1, dropped: [DroppedFix(index: 0, reason: .invalidCoordinates), DroppedFix(index: 2, reason: .duplicate)]))
        // Stored as if each had come alone: the same fix again is a duplicate for k1 and k3.
        #expect(try await s.send([good]).dropped == [DroppedFix(index: 0, reason: .duplicate)])
        #expect(try await s.send([good], as: "k3").dropped == [DroppedFix(index: 0, reason: .duplicate)])
        #expect(s.service.metrics.counter("positions_accepted") == 2)
        // Too many couriers, or too many fixes in all, refuse the whole call.
        await Self.expectCode(.tooLarge) {
            _ = try await s.service.ingest(
                LocationRPC.IngestBatchRequest(items: Array(repeating: item("k1", "s1", [good]), count: LocationRPC.maxBatchCouriers + 1)))
        }
        await Self.expectCode(.tooLarge) {
            _ = try await s.service.ingest(
                LocationRPC.IngestBatchRequest(items: Array(repeating: item("k1", "s1", Array(repeating: good, count: 5_001)), count: 2)))
        }
    }

    @Test func lateShuffledRepeatedBatchesAreStoredOnceAndJudgedAgainstStoredNeighbours() async throws {
        let s = try await Station()
        // The phone was offline for ten minutes: the buffer arrives shuffled, then again.
        let start = s.clock
        s.wait(600)
        var buffer = (0..<60).map { i in
            Station.fix(Self.shop.lat + Double(i) * 50 / 111_195, Self.shop.lon, at: start.addingTimeInterval(Double(i) * 10))
        }
        buffer.shuffle()
        let first = try await s.send(Array(buffer[..<40]))
        #expect(first.accepted == 40 && first.dropped.isEmpty)
        let second = try await s.send(buffer)
        #expect(second.accepted == 20 && second.dropped.count == 40 && second.dropped.allSatisfy { $0.reason == .duplicate })
        // A point between two stored ones, 5 km off the line: impossible, even though it came late.
        let teleport = Station.fix(Self.shop.lat + 0.05, Self.shop.lon, at: start.addingTimeInterval(105))
        let r = try await s.send([teleport])
        #expect(r.accepted == 0 && r.dropped == [DroppedFix(index: 0, reason: .impossibleJump)])
        let rows = try SQLiteConnection(path: s.store.path, readOnly: true).query("SELECT COUNT(*) FROM positions")
        #expect(rows.first?.int(0) == 60)
    }

    /// Fixes dated before the courier was given the delivery they are on are refused — they would
    /// become its evidence — and a fix that arrives long after it was taken is marked late in it.
    @Test func fixesFromBeforeTheAssignmentAreRefusedAndLateOnesMarked() async throws {
        let s = try await Station()
        let assigned = s.clock
        try await s.order(.assigned)
        try await s.order(.accepted)
        s.wait(120)
        try await s.order(.pickedUp)
        // An hour before the assignment, "at the door"; and the clock skew a phone is allowed.
        let forged = Station.fix(Self.home.lat, Self.home.lon, at: assigned.addingTimeInterval(-3600))
        let skewed = Station.fix(Self.shop.lat, Self.shop.lon, at: assigned.addingTimeInterval(-20))
        let now = Station.fix(Self.shop.lat + 0.0001, Self.shop.lon, at: s.clock)
        let mixed = try await s.send([forged, skewed, now])
        #expect(mixed.accepted == 2 && mixed.dropped == [DroppedFix(index: 0, reason: .beforeAssignment)], "\(mixed)")
        await Self.expectCode(.invalidField) { _ = try await s.send([forged]) }
        // Ten minutes of fixes kept on a phone without signal arrive together: each is marked late.
        let start = s.clock
        s.wait(600)
        try await s.send(
            (1...10).map { Station.fix(Self.shop.lat + Double($0) * 0.0005, Self.shop.lon, at: start.addingTimeInterval(Double($0) * 50)) })
        try await s.at(north: 600)
        let track = try await s.service.track(.init(orderId: "o1"), for: Station.caller("st1", .staff))
        let late = track.points.filter { $0.late == true }
        #expect(
            late.count == 10 && !track.points.contains { $0.at == forged.at }, "\(track.points.map { ($0.at, $0.receivedAt, $0.late) })")
        #expect(late.allSatisfy { $0.receivedAt == Timestamp.format(s.clock) && $0.at < $0.receivedAt })
        #expect(track.points.last?.late == nil, "the live fix is not late")
        // After the delivery, nothing under way: history is taken again (the 24 h rule alone).
        try await s.order(.delivered)
        #expect(try await s.send([Station.fix(Self.shop.lat, Self.shop.lon, at: assigned.addingTimeInterval(-600))]).accepted == 1)
    }

    /// A delivery from the shop to the recipient, one fix every 5 s at 18 km/h.
    @Test func aRideDepartsArrivesOnceAndPushesOnlyWhileOutThrottled() async throws {
        let s = try await Station()
        try await s.order(.accepted)
        try await s.at(north: 0)
        try await s.order(.pickedUp)
        // At the counter: customer hears nothing; staff's map has the courier.
        s.wait(5)
        try await s.at(north: 20)
        #expect(s.pushes("order.position", to: "to.c1.").isEmpty)
        #expect(s.pushes("courier.position", to: "shop.s1.").count == 2)
        var metres = 20.0
        var departedAt: Double?
        while metres < 2_000 - 160 {
            s.wait(5)
            metres += 25
            try await s.at(north: metres)
            if departedAt == nil, try s.events("delivery.departed").count == 1 {
                departedAt = metres
                // posy-orders applies it and moves the order.
                try await s.order(.outForDelivery)
            }
        }
        // Left the 100 m shop circle (leaving needs radius + 30 m): once.
        #expect(try s.events("delivery.departed").count == 1)
        #expect(departedAt.map { $0 > 130 && $0 <= 160 } == true, "\(String(describing: departedAt))")
        let customerPushes = s.pushes("order.position", to: "to.c1.")
        // One push per 2 s at most: here every fix (5 s apart, 25 m) qualifies once out.
        #expect(customerPushes.count > 50)
        let view = try JSON.decode(TrackingView.self, from: try UserPush.decode(customerPushes.last!.data).1)
        #expect(view.position?.courierId == nil && view.eta != nil && view.state == .outForDelivery)
        // Jitter at the 150 m boundary: arriving once.
        for d in [150.0, 170, 149, 190, 140, 185, 145, 120] {
            s.wait(5)
            try await s.at(north: 2_000 - d)
        }
        #expect(try s.events("delivery.arriving").count == 1)
        // Within 100 m without a proof for 5 min: one hint to staff.
        for _ in 0..<70 {
            s.wait(5)
            try await s.at(north: 2_000 - 60, east: Double.random(in: -3...3))
        }
        _ = try await s.service.sweep()
        #expect(try s.events("delivery.stuck").count == 1)
        // Silence for 3 min: signal lost once; a fix restores it.
        s.wait(179)
        _ = try await s.service.sweep()
        #expect(try s.events("delivery.signalLost").isEmpty)
        s.wait(2)
        _ = try await s.service.sweep()
        _ = try await s.service.sweep()
        #expect(try s.events("delivery.signalLost").count == 1)
        try await s.at(north: 2_000 - 40)
        #expect(try s.events("delivery.signalRestored").count == 1)
        // Delivered: the customer hears nothing more, the route is complete.
        try await s.order(.delivered)
        let before = s.pushes("order.position", to: "to.c1.").count
        s.wait(5)
        try await s.at(north: 2_000 - 200)
        #expect(s.pushes("order.position", to: "to.c1.").count == before)
        let track = try await s.service.track(.init(orderId: "o1"), for: Station.caller("st1", .staff))
        #expect(track.points.count > 80 && track.distanceMeters > 1_900, "\(track.points.count) \(track.distanceMeters)")
        #expect(track.until != nil)
    }

    @Test func pushesAreThrottledByTimeAndDistance() async throws {
        var config = LocationConfig()
        config.pushInterval = 2
        config.pushDistance = 10
        let s = try await Station(config: config)
        try await s.order(.outForDelivery)
        // Ten fixes a second apart, 4 m each: a push at most every 2 s and 10 m.
        for i in 0..<10 {
            try await s.at(north: 300 + Double(i) * 4)
            s.wait(1)
        }
        let pushes = s.pushes("order.position", to: "to.c1.")
        #expect(pushes.count == 4, "pushes at 0, 12, 24, 36 m: \(pushes.count)")
        // Standing still from 10 s to 37 s: once more, 15 s after the last push (at 9 s) — a still
        // courier is not taken for a silent phone — not with every fix.
        for _ in 0..<10 {
            try await s.at(north: 336)
            s.wait(3)
        }
        #expect(s.pushes("order.position", to: "to.c1.").count == 5)
    }

    /// A still courier is pushed again only with a delivery under way (a page then tells stuck from
    /// silent by the push's age): one waiting at the shop with nothing to deliver is not, every 15 s.
    @Test func onlyACourierWithADeliveryIsPushedAgainStandingStill() async throws {
        var config = LocationConfig()
        config.pushInterval = 2
        config.pushDistance = 10
        let s = try await Station(config: config)
        for _ in 0..<12 {
            try await s.at(north: 300)
            s.wait(3)
        }
        #expect(s.pushes("courier.position", to: "shop.s1.").count == 1, "idle and still: once")
        try await s.order(.accepted)
        for _ in 0..<12 {
            try await s.at(north: 300)
            s.wait(3)
        }
        let pushed = s.pushes("courier.position", to: "shop.s1.").count
        #expect(pushed == 1 + 3, "with a delivery, still: at once, then every 15 s (\(pushed) in all)")
    }

    /// A courier standing still when the order goes out (waiting at the lights): the customer gets
    /// that position once, not only after the next 10 m.
    @Test func aCustomerGetsTheFirstPositionOfTheirOrderStandingStill() async throws {
        var config = LocationConfig()
        config.pushInterval = 2
        config.pushDistance = 10
        let s = try await Station(config: config)
        try await s.order(.pickedUp)
        try await s.at(north: 300)
        try await s.order(.outForDelivery)
        try await s.at(north: 300)
        #expect(s.pushes("order.position", to: "to.c1.").count == 0, "not within 2 s of the last push")
        s.wait(3)
        try await s.at(north: 300)
        #expect(s.pushes("order.position", to: "to.c1.").count == 1)
        for _ in 0..<4 {
            s.wait(3)
            try await s.at(north: 300)
        }
        #expect(s.pushes("order.position", to: "to.c1.").count == 1, "standing still: once…")
        s.wait(3)
        try await s.at(north: 300)
        #expect(s.pushes("order.position", to: "to.c1.").count == 2, "…and again 15 s after it")
    }

    @Test func delayRiskOncePerCrossingAndAgainWhenTenMinutesWorse() async throws {
        let s = try await Station()
        // The window ends 20 min from now; 1.6 km to go by bike is about 11 min with the hand-over.
        try await s.order(.outForDelivery, windowEnd: 1_200)
        for i in 0..<7 {
            try await s.at(north: 400 + Double(i) * 25)
            s.wait(5)
        }
        #expect(try s.events("delivery.delayRisk").isEmpty)
        // A traffic jam: the courier stands still; the moving average speed falls and time runs.
        for _ in 0..<60 {
            try await s.at(north: 550)
            s.wait(5)
            _ = try await s.service.sweep()
        }
        let risks = try s.events("delivery.delayRisk")
        #expect(risks.count >= 1)
        let first = try #require(risks.first)
        let firstAt = try #require(Timestamp.parse(first.at))
        #expect(firstAt < Self.t0.addingTimeInterval(1_200), "raised before the window ended")
        #expect((first.lateBySeconds ?? -1_000) > -300 && first.predictedArrival != nil)
        // Raised again only when 10 min worse than the last.
        for (a, b) in zip(risks, risks.dropFirst()) {
            #expect((b.lateBySeconds ?? 0) - (a.lateBySeconds ?? 0) >= 600)
        }
        // Still stuck for another hour: the prediction keeps worsening, each step at least 10 min.
        for _ in 0..<60 {
            s.wait(60)
            try await s.at(north: 550)
            _ = try await s.service.sweep()
        }
        let later = try s.events("delivery.delayRisk")
        let span = (later.last?.lateBySeconds ?? 0) - (later.first?.lateBySeconds ?? 0)
        #expect(later.count > risks.count && later.count <= 1 + Int(span / 600), "\(later.map { ($0.at, $0.lateBySeconds ?? 0) })")
    }

    @Test func nobodySeesWhatTheyMayNot() async throws {
        let s = try await Station()
        try await s.order(.pickedUp)
        try await s.at(north: 10)
        let customer = Station.caller("c1", .customer)
        // Before departure the customer gets nothing; staff and the courier do.
        await Self.expectCode(.notFound) { _ = try await s.service.tracking(.init(orderId: "o1"), for: customer) }
        #expect(try await s.service.tracking(.init(orderId: "o1"), for: Station.caller("st1", .staff)).position != nil)
        #expect(try await s.service.tracking(.init(orderId: "o1"), for: Station.caller("k1", .courier)).position != nil)
        s.wait(30)
        try await s.order(.outForDelivery)
        // Right after departure, before any newer fix: the customer sees the order, not where the
        // courier was before leaving (at the shop, on the way to it).
        let justLeft = try await s.service.tracking(.init(orderId: "o1"), for: customer)
        #expect(justLeft.position == nil && justLeft.state == .outForDelivery, "\(justLeft)")
        s.wait(60)
        try await s.at(north: 300)
        let view = try await s.service.tracking(.init(orderId: "o1"), for: customer)
        #expect(abs((view.position?.lat ?? 0) - (Self.shop.lat + 300 / 111_195)) < 1e-9 && view.eta != nil, "\(view)")
        #expect((view.distanceMeters ?? 0) > 1_600 && view.position?.courierId == nil, "\(view)")
        // Another customer, an unrelated courier, staff of another shop: nothing.
        for other in [Station.caller("c2", .customer), Station.caller("k2", .courier), Station.caller("st9", .staff, shop: "s2")] {
            await Self.expectCode(.notFound) { _ = try await s.service.tracking(.init(orderId: "o1"), for: other) }
        }
        await Self.expectCode(.notFound) { _ = try await s.service.track(.init(orderId: "o1"), for: customer) }
        await Self.expectCode(.notFound) { _ = try await s.service.live(.init(shopId: "s1"), for: Station.caller("k1", .courier)) }
        // The live map: on-duty couriers with a position; off duty they vanish and get no pushes.
        #expect(try await s.service.live(.init(shopId: "s1"), for: Station.caller("st1", .staff)).map(\.courierId) == ["k1"])
        try await s.courier("k1", onDuty: false)
        #expect(try await s.service.live(.init(shopId: "s1"), for: Station.caller("st1", .staff)).isEmpty)
        #expect(s.pushes("courier.offDuty", to: "shop.s1.").count == 1)
        await Self.expectCode(.offDuty) { try await s.at(north: 320) }
        let staffView = try await s.service.tracking(.init(orderId: "o1"), for: Station.caller("st1", .staff))
        #expect(staffView.position == nil, "an off-duty courier's position is nobody's to see")
        // After delivery the customer gets nothing again.
        try await s.courier("k1", onDuty: true)
        try await s.order(.delivered)
        await Self.expectCode(.notFound) { _ = try await s.service.tracking(.init(orderId: "o1"), for: customer) }
    }

    @Test func eachShopLearnsHowItsDeliveriesCompareToPredictions() async throws {
        let s = try await Station()
        // Three deliveries, each taking twice as long as predicted at departure.
        for n in 1...3 {
            let id = "o\(n)"
            try await s.order(.outForDelivery, id: id)
            try await s.at(north: 300)
            let predicted = try #require(
                try await s.service.tracking(.init(orderId: id), for: Station.caller("st1", .staff)).eta?.seconds)
            s.wait(predicted * 2)
            try await s.order(.delivered, id: id)
        }
        let correction = try await s.store.read { db in try LocationService.correction(db, shop: "s1") }
        #expect(abs(correction - 2) < 0.05, "\(correction)")
        try await s.order(.outForDelivery, id: "o4")
        s.wait(1)
        try await s.at(north: 301)
        let eta = try #require(try await s.service.tracking(.init(orderId: "o4"), for: Station.caller("st1", .staff)).eta)
        // (travel × 2) + hand-over, against travel + hand-over uncorrected.
        let travel = (2_000 - 301) * 1.3 / (15 / 3.6)
        #expect(abs(eta.seconds - (travel * 2 + 180)) < 5, "\(eta.seconds)")
    }
}
