import Foundation
import PosyAccess
import PosyCore
import PosyOrders
import PosySchema
import PosyStore
import Testing

/// Timers on a test clock: hours pass in no time, and a timer fires once, even across a reopen.
@Suite struct OrdersTimerTests {
    final class TestClock: Sendable {
        let now = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ s: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(s) } }
    }

    let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
    let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)

    static func open(_ path: String, _ clock: TestClock) async throws -> (OrdersService, Store) {
        let store = try Store(path: path, migrations: CoreMigrations.with(OrdersMigrations.all))
        let events = try await EventLog(store: store, src: "orders", publisher: nil, metrics: Metrics())
        return (OrdersService(store: store, events: events, acceptTimeout: 180, ackTimeout: 300, clock: { clock.now.value }), store)
    }

    static func topics(_ store: Store, _ topic: String) async throws -> [Data] {
        try await store.read { db in try db.query("SELECT envelope FROM outbox WHERE topic = ? ORDER BY seq", topic).map { $0.data(0)! } }
    }

    func seeded(_ clock: TestClock) async throws -> (OrdersService, Store, String, String) {
        let path = Scratch.directory.appendingPathComponent("posy-timers-\(UUID().uuidString)/orders.db").path
        let (svc, store) = try await Self.open(path, clock)
        let admin = Viewer.user(sub: "a", role: .admin, shop: nil, order: nil)
        _ = try await svc.createShop(Shop(id: "s1", name: "Lily's", address: "1", lat: 31, lon: 121, timeZone: "Asia/Shanghai"), by: admin)
        _ = try await svc.createCourier(
            Courier(id: "k1", shopId: "s1", name: "Li", phone: "+86 131 0000 0001", vehicle: .bike, onDuty: true), by: admin)
        let order = try await svc.create(OrdersServiceTests.newOrder(), by: staff)
        _ = try await svc.transition(order.id, to: .confirmed, by: staff)
        return (svc, store, order.id, path)
    }

    @Test func unacceptedAssignmentIsReportedOnceAndSurvivesRestart() async throws {
        let clock = TestClock()
        var (svc, store, id, path) = try await seeded(clock)
        _ = try await svc.transition(id, to: .assigned, by: staff, courierId: "k1")
        clock.advance(179)
        #expect(try await svc.fireDueTimers() == 0)
        // The service restarts before the deadline: the timer is in the store, not in memory.
        store.close()
        (svc, store) = try await Self.open(path, clock)
        clock.advance(2)
        #expect(try await svc.fireDueTimers() == 1)
        #expect(try await svc.fireDueTimers() == 0)
        clock.advance(3600)
        #expect(try await svc.fireDueTimers() == 0)
        let events = try await Self.topics(store, "order.assignment.unacknowledged")
        #expect(events.count == 1)
        let payload = try EnvelopeCodec.decode(events[0]).decode(AssignmentUnacknowledged.self)
        #expect(payload.orderId == id && payload.courierId == "k1" && payload.shopId == "s1")
        store.close()
    }

    @Test func acceptedInTimeRaisesNothing() async throws {
        let clock = TestClock()
        let (svc, store, id, _) = try await seeded(clock)
        defer { store.close() }
        _ = try await svc.transition(id, to: .assigned, by: staff, courierId: "k1")
        clock.advance(60)
        _ = try await svc.transition(id, to: .accepted, by: courier)
        clock.advance(600)
        #expect(try await svc.fireDueTimers() == 1)  // it fires, finds the order accepted, and says nothing
        #expect(try await Self.topics(store, "order.assignment.unacknowledged").isEmpty)
    }

    @Test func exceptionWorkflowAndEscalation() async throws {
        let clock = TestClock()
        let (svc, store, id, _) = try await seeded(clock)
        defer { store.close() }
        _ = try await svc.transition(id, to: .assigned, by: staff, courierId: "k1")
        _ = try await svc.transition(id, to: .accepted, by: courier)
        // The courier reports traffic; nobody acknowledges for five minutes: escalated, once.
        let traffic = try await svc.openException(
            orderId: id, kind: .traffic, note: "jam on the ring road", lat: 31.2, lon: 121.4, by: courier)
        #expect(traffic.state == .open && traffic.openedBy == "courier:k1")
        clock.advance(301)
        _ = try await svc.fireDueTimers()
        _ = try await svc.fireDueTimers()
        let escalated = try await Self.topics(store, "exception.escalated")
        #expect(escalated.count == 1)
        #expect(try EnvelopeCodec.decode(escalated[0]).decode(OrderException.self).id == traffic.id)
        // Resolve needs an acknowledgement first; then acknowledge, resolve; no second resolve.
        await #expect { try await svc.resolveException(traffic.id, resolution: .contactCustomer, note: nil, by: staff) } throws: {
            ($0 as? PosyError)?.code == .invalidTransition
        }
        let acked = try await svc.acknowledgeException(traffic.id, by: staff)
        #expect(acked.state == .acknowledged && acked.acknowledgedBy == "staff:st1")
        let resolved = try await svc.resolveException(traffic.id, resolution: .contactCustomer, note: "called Mei", by: staff)
        #expect(resolved.state == .resolved && resolved.resolution == .contactCustomer)
        await #expect { try await svc.resolveException(traffic.id, resolution: .none, note: nil, by: staff) } throws: {
            ($0 as? PosyError)?.code == .invalidTransition
        }
        // Acknowledged in time: no escalation.
        let gate = try await svc.openException(orderId: id, kind: .accessDenied, note: nil, by: courier)
        clock.advance(60)
        _ = try await svc.acknowledgeException(gate.id, by: staff)
        clock.advance(600)
        _ = try await svc.fireDueTimers()
        #expect(try await Self.topics(store, "exception.escalated").count == 1)
        // Who may do what.
        let other = Viewer.user(sub: "k2", role: .courier, shop: "s1", order: nil)
        await #expect { try await svc.openException(orderId: id, kind: .other, note: nil, by: other) } throws: {
            ($0 as? PosyError)?.code == .notFound
        }
        await #expect { try await svc.acknowledgeException(gate.id, by: courier) } throws: { ($0 as? PosyError)?.code == .notFound }
        await #expect { try await svc.openException(orderId: id, kind: .other, note: nil, lat: 91, lon: 0, by: courier) } throws: {
            ($0 as? PosyError)?.code == .invalidField
        }
        #expect(try await Self.topics(store, "exception.opened").count == 2)
        #expect(try await Self.topics(store, "exception.resolved").count == 1)
    }

    @Test func aResentReportIsTheSameExceptionOnce() async throws {
        let clock = TestClock()
        let (svc, store, id, _) = try await seeded(clock)
        defer { store.close() }
        _ = try await svc.transition(id, to: .assigned, by: staff, courierId: "k1")
        _ = try await svc.transition(id, to: .accepted, by: courier)
        let first = try await svc.openException(orderId: id, kind: .traffic, note: "jam", clientId: "r-1", by: courier)
        _ = try await svc.acknowledgeException(first.id, by: staff)
        // The app lost the reply and sends again: the same report, as it stands now; no second event or timer.
        let again = try await svc.openException(orderId: id, kind: .traffic, note: "jam", clientId: "r-1", by: courier)
        #expect(again.id == first.id && again.state == .acknowledged && again.clientId == "r-1")
        #expect(try await Self.topics(store, "exception.opened").count == 1)
        // Another report, or the same id from someone else, is another exception.
        let second = try await svc.openException(orderId: id, kind: .accessDenied, note: nil, clientId: "r-2", by: courier)
        let staffs = try await svc.openException(orderId: id, kind: .other, note: nil, clientId: "r-1", by: staff)
        #expect(Set([first.id, second.id, staffs.id]).count == 3)
        #expect(try await Self.topics(store, "exception.opened").count == 3)
        await #expect { try await svc.openException(orderId: id, kind: .other, note: nil, clientId: "bad id", by: courier) } throws: {
            ($0 as? PosyError)?.code == .invalidField
        }
    }
}
