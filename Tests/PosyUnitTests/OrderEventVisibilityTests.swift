import Foundation
import PosyAccess
import PosyOrders
import PosyOrdersPolicy
import PosySchema
import Testing

/// What each viewer's stream gets of each orders event (``OrderVisibility/event(_:for:now:)``).
@Suite struct OrderEventVisibilityTests {
    let admin = Viewer.user(sub: "a1", role: .admin, shop: nil, order: nil)
    let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
    let otherStaff = Viewer.user(sub: "st2", role: .staff, shop: "s2", order: nil)
    let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)
    let otherCourier = Viewer.user(sub: "k2", role: .courier, shop: "s1", order: nil)
    let customer = Viewer.user(sub: "c1", role: .customer, shop: nil, order: nil)
    let tracking = Viewer.user(sub: "c1", role: .customer, shop: nil, order: "o1")
    let otherTracking = Viewer.user(sub: "c1", role: .customer, shop: nil, order: "o2")
    let otherCustomer = Viewer.user(sub: "c2", role: .customer, shop: nil, order: nil)
    var everyone: [Viewer] { [admin, staff, otherStaff, courier, otherCourier, customer, tracking, otherTracking, otherCustomer] }

    static let now = Date(timeIntervalSince1970: 1_778_400_000)

    static func order(_ state: OrderState) -> Order {
        Order(
            id: "o1", shopId: "s1", conversationId: "m1-o1", state: state,
            customer: OrderCustomer(id: "c1", name: "Mei", phone: "+86 1"),
            recipient: OrderRecipient(name: "Mother", phone: "+86 2", address: "12 Garden Rd", lat: 31.2, lon: 121.4),
            sender: OrderSender(name: "Admirer Wu", phone: nil, anonymous: true),
            items: [OrderItem(name: "carnations", quantity: 12)], cardMessage: "For the best mum",
            handling: OrderHandling(), window: DeliveryWindow(start: "2026-05-10T10:00:00Z", end: "2026-05-10T12:00:00Z"),
            surprise: false, notes: nil, courierId: "k1", createdAt: "2026-05-10T08:00:00Z", updatedAt: "2026-05-10T08:00:00Z")
    }

    static func envelope(_ type: String, _ payload: some Encodable) throws -> Envelope {
        try Envelope.make(src: "orders", epoch: "e", seq: 1, type: type, payload: payload)
    }

    static func assignedEvent(at: Date) throws -> Envelope {
        try envelope(
            "order.assigned",
            OrderEvent(
                orderId: "o1", shopId: "s1", state: .assigned, courierId: "k1", conversationId: "m1-o1", actor: "staff:st1",
                at: Timestamp.format(at), detail: "courier k1", order: order(.assigned)))
    }

    /// Who gets `e`; also checks that the event's audience (the gateway's prefilter) covers each of them.
    func who(_ e: Envelope, sourceLocation: SourceLocation = #_sourceLocation) -> [Bool] {
        let audience = OrderVisibility.audience(e)
        return everyone.map { viewer in
            let sees = OrderVisibility.event(e, for: viewer, now: Self.now) != nil
            if sees {
                #expect(audience.mayConcern(viewer), "\(viewer) sees \(e.type) but is outside its audience", sourceLocation: sourceLocation)
            }
            return sees
        }
    }

    @Test func theAudienceOfAnEventLeavesOutThoseItDoesNotName() throws {
        let audience = OrderVisibility.audience(try Self.assignedEvent(at: Self.now))
        #expect(audience == EventAudience(shop: "s1", users: ["c1", "k1"]))
        #expect(everyone.map(audience.mayConcern) == [true, true, false, true, false, true, true, true, false])
        #expect(OrderVisibility.audience(try Self.envelope("sys.probe.ack", ["x": 1])) == .nobody)
        #expect(EventAudience.nobody.mayConcern(.service("notify")) && EventAudience.nobody.mayConcern(admin))
        #expect(!EventAudience.nobody.mayConcern(staff) && EventAudience.everyone.mayConcern(otherCustomer))
    }

    @Test func orderEventsGoToWhoeverMaySeeTheOrderInTheirView() throws {
        let e = try Self.assignedEvent(at: Self.now)
        #expect(who(e) == [true, true, false, true, false, true, true, false, false])
        let toCourier = try JSON.decode(OrderEvent.self, from: #require(OrderVisibility.event(e, for: courier, now: Self.now)))
        #expect(toCourier.order?.cardMessage == nil && toCourier.order?.sender == nil)
        #expect(toCourier.order?.recipient?.address == "12 Garden Rd")
        let toCustomer = try JSON.decode(OrderEvent.self, from: #require(OrderVisibility.event(e, for: customer, now: Self.now)))
        #expect(toCustomer.courierId == nil && toCustomer.order?.courierId == nil)
        #expect(toCustomer.actor == "staff" && toCustomer.detail == nil)
        #expect(toCustomer.order?.cardMessage == "For the best mum")
        let toStaff = try JSON.decode(OrderEvent.self, from: #require(OrderVisibility.event(e, for: staff, now: Self.now)))
        #expect(toStaff.actor == "staff:st1" && toStaff.order?.sender?.name == "Admirer Wu")
    }

    @Test func aCourierReplayingAnOldEventGetsNoRecipientContactFromIt() throws {
        let old = try Self.assignedEvent(at: Self.now.addingTimeInterval(-2 * 3600))
        let toCourier = try JSON.decode(OrderEvent.self, from: #require(OrderVisibility.event(old, for: courier, now: Self.now)))
        #expect(toCourier.order?.recipient?.name == "Mother")
        #expect(toCourier.order?.recipient?.address == nil && toCourier.order?.recipient?.phone == nil)
    }

    @Test func changesGoToShopCourierAndTheirCustomer() throws {
        let change = OrderChange(
            id: "c-1", orderId: "o1", shopId: "s1", courierId: "k1", customerId: "c1",
            change: ChangeInput(dropOff: DropOffInstruction(kind: .handToNeighbour, description: "3B")),
            state: .pending, requestedBy: "customer:c1", requestedAt: "2026-05-10T09:00:00Z")
        var decided = change
        decided.state = .applied
        decided.decidedBy = "staff:st1"
        let e = try Self.envelope("order.change.applied", decided)
        #expect(who(e) == [true, true, false, true, false, true, true, false, false])
        let toCustomer = try JSON.decode(OrderChange.self, from: #require(OrderVisibility.event(e, for: customer, now: Self.now)))
        #expect(toCustomer.courierId == nil && toCustomer.decidedBy == "staff" && toCustomer.requestedBy == "customer:c1")
    }

    @Test func exceptionsAndMissedAssignmentsStayWithTheShop() throws {
        let x = OrderException(
            id: "x1", orderId: "o1", shopId: "s1", courierId: "k1", kind: .traffic, note: "jam",
            lat: nil, lon: nil, mediaIds: [], openedBy: "courier:k1", openedAt: "2026-05-10T09:00:00Z")
        #expect(who(try Self.envelope("exception.opened", x)) == [true, true, false, true, false, false, false, false, false])
        let missed = AssignmentUnacknowledged(orderId: "o1", shopId: "s1", courierId: "k1", assignedAt: "t", deadline: "t")
        #expect(
            who(try Self.envelope("order.assignment.unacknowledged", missed)) == [
                true, true, false, false, false, false, false, false, false,
            ])
        // Unknown types and unreadable payloads are nobody's.
        #expect(who(try Self.envelope("sys.probe.ack", ["x": 1])).allSatisfy { !$0 })
        #expect(who(Envelope(src: "orders", epoch: "e", seq: 1, type: "order.placed", data: Data("{}".utf8))).allSatisfy { !$0 })
    }

    @Test func customersReadOtherActorsByRoleOnly() {
        #expect(OrderVisibility.actor("courier:k1", for: customer) == "courier")
        #expect(OrderVisibility.actor("customer:c1", for: customer) == "customer:c1")
        #expect(OrderVisibility.actor("service:location", for: customer) == "service:location")
        #expect(OrderVisibility.actor("courier:k1", for: staff) == "courier:k1")
        let entry = TimelineEntry(n: 3, state: .assigned, actor: "staff:st1", at: "t", detail: "courier k1")
        let seen = OrderVisibility.timelineEntry(entry, for: tracking)
        #expect(seen.actor == "staff" && seen.detail == nil)
        #expect(OrderVisibility.timelineEntry(entry, for: staff) == entry)
    }
}
