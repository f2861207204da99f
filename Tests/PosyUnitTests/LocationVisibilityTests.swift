import Foundation
import PosyAccess
import PosyLocation
import PosyLocationPolicy
import PosyOrders
import PosySchema
import Testing

/// The `delivery.*` alerts on the streams: the shop's staff only, and the audience says so before decoding per viewer.
@Suite struct LocationVisibilityTests {
    @Test func deliveryAlertsReachTheStaffOfTheirShopOnly() throws {
        var alert = DeliveryAlert(orderId: "o1", shopId: "s1", courierId: "k1", customerId: "c1", at: "2026-05-10T11:40:00Z")
        alert.lateBySeconds = 900
        let e = try Envelope.make(src: "location", epoch: "e", seq: 1, type: "delivery.delayRisk", payload: alert)
        let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
        let others = [
            Viewer.user(sub: "st2", role: .staff, shop: "s2", order: nil), Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil),
            Viewer.user(sub: "c1", role: .customer, shop: nil, order: nil),
        ]
        #expect(LocationVisibility.event(e, for: staff) == e.data)
        #expect(others.allSatisfy { LocationVisibility.event(e, for: $0) == nil })
        let audience = LocationVisibility.audience(e)
        #expect(audience == EventAudience(shop: "s1"))
        #expect(audience.mayConcern(staff) && !others.contains(where: audience.mayConcern))
        #expect(
            LocationVisibility.audience(try Envelope.make(src: "location", epoch: "e", seq: 2, type: "fleet.x", payload: alert)) == .nobody)
    }
}
