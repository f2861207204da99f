import Foundation
import PosyAccess
import PosyAuth
import PosyOrders
import PosyOrdersPolicy
import PosySchema
import Testing

func sampleOrder(
    _ state: OrderState = .placed, courier: String? = nil, anonymous: Bool = true,
    deliveredAt: String? = nil
) -> Order {
    Order(
        id: "o1", shopId: "s1", conversationId: "m1-o1", state: state,
        customer: OrderCustomer(id: "c1", name: "Mei", phone: "+86 138 0000 0001"),
        recipient: OrderRecipient(name: "Mother", phone: "+86 138 0000 0002", address: "12 Garden Rd", lat: 31.23, lon: 121.47),
        sender: OrderSender(name: "Admirer Wu", phone: "+86 139 9999 9999", anonymous: anonymous),
        items: [OrderItem(name: "carnations", quantity: 12)], cardMessage: "For the best mum",
        handling: OrderHandling(noDoorstep: true), window: DeliveryWindow(start: "2026-05-10T10:00:00Z", end: "2026-05-10T12:00:00Z"),
        surprise: true, notes: nil, courierId: courier, createdAt: "2026-05-09T08:00:00.000Z",
        updatedAt: "2026-05-09T08:00:00.000Z", deliveredAt: deliveredAt)
}

@Suite struct OrderLifecycleTests {
    /// The valid transitions, written out independently of the implementation's table.
    static let valid: Set<String> = [
        "placed>confirmed", "placed>cancelled",
        "confirmed>assigned", "confirmed>cancelled",
        "assigned>assigned", "assigned>accepted", "assigned>confirmed", "assigned>cancelled",
        "accepted>assigned", "accepted>confirmed", "accepted>pickedUp", "accepted>cancelled",
        "pickedUp>outForDelivery", "pickedUp>failed", "pickedUp>returned",
        "outForDelivery>arriving", "outForDelivery>delivered", "outForDelivery>failed", "outForDelivery>returned",
        "arriving>delivered", "arriving>failed", "arriving>returned",
        "delivered>completed",
        "failed>returned",
    ]

    /// Someone allowed to make each move (so that only the state rule decides).
    static func actor(for target: OrderState) -> Viewer {
        switch target {
        case .accepted: .user(sub: "k1", role: .courier, shop: "s1", order: nil)
        case .arriving: .service("location")
        case .delivered, .completed: .service("receipts")
        default: .user(sub: "st1", role: .staff, shop: "s1", order: nil)
        }
    }

    @Test(arguments: OrderState.allCases)
    func everyTransitionFrom(_ from: OrderState) throws {
        for to in OrderState.allCases {
            let order = sampleOrder(from, courier: "k1")
            let result = Result { () throws(PosyError) in
                try OrderLifecycle.check(order, to: to, by: Self.actor(for: to), courierId: "k2", reason: "gate closed")
            }
            if Self.valid.contains("\(from.rawValue)>\(to.rawValue)") {
                #expect(throws: Never.self, "\(from) → \(to) should be allowed") { try result.get() }
            } else {
                #expect(throws: PosyError.self, "\(from) → \(to) should be refused") { try result.get() }
                if case .failure(let e) = result {
                    #expect(e.code == .invalidTransition)
                    #expect(e.code.httpStatus == 409)
                }
            }
        }
    }

    @Test func terminalStatesHaveNoWayOut() {
        for state in OrderState.allCases where state.isTerminal {
            #expect(OrderLifecycle.next[state]?.isEmpty == true)
        }
        #expect(OrderState.pickedUp.eventType == "order.pickedUp")
    }

    @Test func whoMayMakeEachMove() {
        let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
        let otherStaff = Viewer.user(sub: "st9", role: .staff, shop: "s2", order: nil)
        let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)
        let otherCourier = Viewer.user(sub: "k2", role: .courier, shop: "s1", order: nil)
        let customer = Viewer.user(sub: "c1", role: .customer, shop: nil, order: nil)
        let stranger = Viewer.user(sub: "c2", role: .customer, shop: nil, order: nil)
        func code(_ o: Order, _ to: OrderState, _ v: Viewer, courierId: String? = "k1", reason: String? = "x") -> ErrorCode? {
            do {
                try OrderLifecycle.check(o, to: to, by: v, courierId: courierId, reason: reason)
                return nil
            } catch { return error.code }
        }
        #expect(code(sampleOrder(.placed), .confirmed, staff) == nil)
        #expect(code(sampleOrder(.placed), .confirmed, otherStaff) == .forbidden)
        #expect(code(sampleOrder(.placed), .confirmed, courier) == .forbidden)
        #expect(code(sampleOrder(.placed), .cancelled, customer) == nil)
        #expect(code(sampleOrder(.placed), .cancelled, stranger) == .forbidden)
        #expect(code(sampleOrder(.confirmed), .cancelled, customer) == .forbidden)
        #expect(code(sampleOrder(.confirmed), .assigned, staff, courierId: nil) == .invalidField)
        #expect(code(sampleOrder(.assigned, courier: "k1"), .accepted, courier) == nil)
        #expect(code(sampleOrder(.assigned, courier: "k1"), .accepted, otherCourier) == .forbidden)
        #expect(code(sampleOrder(.assigned, courier: "k1"), .accepted, staff) == .forbidden)
        #expect(code(sampleOrder(.outForDelivery, courier: "k1"), .failed, courier, reason: " ") == .invalidField)
        // The courier says they are at the door where the geofence cannot (no fix indoors); nobody else does.
        #expect(code(sampleOrder(.outForDelivery, courier: "k1"), .arriving, courier) == nil)
        #expect(code(sampleOrder(.outForDelivery, courier: "k1"), .arriving, otherCourier) == .forbidden)
        #expect(code(sampleOrder(.outForDelivery, courier: "k1"), .arriving, staff) == .forbidden)
        #expect(code(sampleOrder(.assigned, courier: "k1"), .confirmed, courier) == nil)
        #expect(code(sampleOrder(.assigned, courier: "k1"), .confirmed, otherCourier) == .forbidden)
        #expect(code(sampleOrder(.outForDelivery, courier: "k1"), .arriving, .service("location")) == nil)
        #expect(code(sampleOrder(.outForDelivery, courier: "k1"), .delivered, .service("location")) == .forbidden)
        #expect(code(sampleOrder(.outForDelivery, courier: "k1"), .delivered, .service("receipts")) == nil)
        #expect(
            code(sampleOrder(.delivered, courier: "k1"), .completed, .user(sub: "a", role: .admin, shop: nil, order: nil)) == .forbidden)
        // A tracking token for another order does not reach this one.
        #expect(code(sampleOrder(.placed), .cancelled, .user(sub: "c1", role: .customer, shop: nil, order: "o2")) == .forbidden)
    }
}

@Suite struct OrderVisibilityTests {
    let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)

    @Test func staffSeeTheirShopOnlyAdminsEverything() {
        let o = sampleOrder()
        #expect(OrderVisibility.view(o, for: .user(sub: "st1", role: .staff, shop: "s1", order: nil)) == o)
        #expect(OrderVisibility.view(o, for: .user(sub: "st9", role: .staff, shop: "s2", order: nil)) == nil)
        #expect(OrderVisibility.view(o, for: .user(sub: "a", role: .admin, shop: nil, order: nil)) == o)
    }

    @Test func customersSeeTheirOwnOrderOnly() {
        let o = sampleOrder()
        #expect(OrderVisibility.view(o, for: .user(sub: "c1", role: .customer, shop: nil, order: nil))?.cardMessage == "For the best mum")
        #expect(OrderVisibility.view(o, for: .user(sub: "c1", role: .customer, shop: nil, order: "o1")) != nil)
        #expect(OrderVisibility.view(o, for: .user(sub: "c1", role: .customer, shop: nil, order: "o2")) == nil)
        #expect(OrderVisibility.view(o, for: .user(sub: "c2", role: .customer, shop: nil, order: nil)) == nil)
    }

    @Test func courierNeverSeesCardOrAnonymousSender() throws {
        for state in OrderState.allCases {
            for anonymous in [true, false] {
                let o = sampleOrder(state, courier: "k1", anonymous: anonymous, deliveredAt: Timestamp.now())
                let v = try #require(OrderVisibility.view(o, for: courier))
                #expect(v.cardMessage == nil)
                #expect(v.customer?.phone == nil)
                let text = String(decoding: try JSON.encode(v), as: UTF8.self)
                #expect(!text.contains("For the best mum"))
                if anonymous {
                    #expect(v.sender == nil)
                    #expect(!text.contains("Admirer Wu") && !text.contains("9999 9999"), "\(state): \(text)")
                } else {
                    #expect(v.sender?.name == "Admirer Wu")
                }
            }
        }
        // Not assigned to this courier (or to nobody): not visible at all.
        #expect(OrderVisibility.view(sampleOrder(.assigned, courier: "k2"), for: courier) == nil)
        #expect(OrderVisibility.view(sampleOrder(.confirmed), for: courier) == nil)
        #expect(
            OrderVisibility.view(sampleOrder(.assigned, courier: "k1"), for: .user(sub: "k1", role: .courier, shop: "s2", order: nil))
                == nil)
    }

    @Test func courierSeesRecipientContactFromAssignmentUntilThirtyMinutesAfterDelivery() throws {
        for state in [OrderState.assigned, .accepted, .pickedUp, .outForDelivery, .arriving] {
            let v = try #require(OrderVisibility.view(sampleOrder(state, courier: "k1"), for: courier))
            #expect(v.recipient?.phone != nil && v.recipient?.address != nil && v.recipient?.lat != nil, "\(state)")
        }
        let delivered = Date(timeIntervalSince1970: 1_800_000_000)
        let o = sampleOrder(.delivered, courier: "k1", deliveredAt: Timestamp.format(delivered))
        #expect(OrderVisibility.view(o, for: courier, now: delivered.addingTimeInterval(29 * 60))?.recipient?.phone != nil)
        let late = try #require(OrderVisibility.view(o, for: courier, now: delivered.addingTimeInterval(31 * 60)))
        #expect(late.recipient?.phone == nil && late.recipient?.address == nil && late.recipient?.lat == nil)
        #expect(late.recipient?.name == "Mother")
        for state in [OrderState.completed, .failed, .returned, .cancelled] {
            let v = OrderVisibility.view(sampleOrder(state, courier: "k1", deliveredAt: Timestamp.now()), for: courier)
            #expect(v?.recipient?.phone == nil && v?.recipient?.address == nil, "\(state)")
        }
    }
}
