import Foundation
import PosyAccess
import PosyCore
import PosyOrdersPolicy
import PosySchema
import PosyStore

extension OrdersService {
    /// A new tracking link for the order (docs/protocol.md, "What a tracking link may do"): the
    /// order's link generation moves on and the older links end at once (`fleet.access.ended`, as a
    /// session). Staff of the shop, or the customer signed in; a tracking link cannot renew itself
    /// (a forwarded link must not lock out the customer).
    public func renewTrackingLink(_ id: String, by viewer: Viewer) async throws -> TrackingLink.Renewed {
        let now = self.now
        let events = self.events
        return try await store.write { db -> TrackingLink.Renewed in
            guard var order = try Self.load(db, id), OrderVisibility.view(order, for: viewer) != nil else {
                throw PosyError(.notFound, "no order \(id)")
            }
            guard let customer = order.customer?.id else { throw PosyError(.invalidField, "the order has no customer to link") }
            if viewer.isTrackingLink { throw PosyError(.sessionRequired, "a new link needs the customer's own sign-in or the shop") }
            guard viewer.isStaff(of: order.shopId) || viewer.isCustomer(customer, of: order.id) else {
                throw PosyError(.forbidden, "only the shop or the customer renews the tracking link")
            }
            let old = order.linkGeneration ?? 0
            order.linkGeneration = old + 1
            try Self.save(db, order, created: false)
            try events.emit(
                db, OrdersEvents.accessEnded,
                AccessEnded(shopId: order.shopId, sessions: [TrackingLink.sid(order: id, generation: old)], reason: "revoked", at: now))
            return TrackingLink.Renewed(orderId: id, customerId: customer, generation: old + 1, windowEnd: order.window.end)
        }
    }
}
