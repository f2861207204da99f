import PosyAccess
import PosySchema

/// The order state machine: which state may follow which, and who may make the move.
///
/// ```
/// placed → confirmed → assigned → accepted → pickedUp → outForDelivery → arriving → delivered → completed
///                        ↺ reassign (assigned, accepted → assigned)
///                        ↩ decline/unassign (assigned, accepted → confirmed: the courier or staff)
/// cancelled ← placed, confirmed, assigned, accepted          (staff; the customer while still placed)
/// failed    ← pickedUp, outForDelivery, arriving              (the courier or staff, with a reason)
/// returned  ← pickedUp, outForDelivery, arriving, failed      (the courier or staff)
/// ```
///
/// `arriving` comes from location's geofence, or from the assigned courier at a door no fix reaches
/// (indoors, a gate); `delivered` comes from a proof of delivery, so only receipts sets it;
/// `outForDelivery` may also come from location (leaving the shop's geofence); `completed` comes
/// from the customer's confirmation or its deadline (receipts).
public enum OrderLifecycle {
    /// The states each state may move to.
    public static let next: [OrderState: Set<OrderState>] = [
        .placed: [.confirmed, .cancelled],
        .confirmed: [.assigned, .cancelled],
        .assigned: [.assigned, .accepted, .confirmed, .cancelled],
        .accepted: [.assigned, .confirmed, .pickedUp, .cancelled],
        .pickedUp: [.outForDelivery, .failed, .returned],
        .outForDelivery: [.arriving, .delivered, .failed, .returned],
        .arriving: [.delivered, .failed, .returned],
        .delivered: [.completed],
        .failed: [.returned],
        .completed: [], .cancelled: [], .returned: [],
    ]

    /// Checks that `viewer` may move `order` to `target`. `courierId` is required for `assigned`,
    /// `reason` for `failed`. Throws `invalid_transition` (409), `forbidden` (403) or
    /// `invalid_field` (422).
    public static func check(
        _ order: Order, to target: OrderState, by viewer: Viewer,
        courierId: String? = nil, reason: String? = nil
    ) throws(PosyError) {
        guard next[order.state, default: []].contains(target) else {
            throw PosyError(.invalidTransition, "an order that is \(order.state.rawValue) cannot become \(target.rawValue)")
        }
        if target == .cancelled, viewer.isTrackingLink, viewer.isCustomer(order.customer?.id, of: order.id) {
            throw PosyError(.sessionRequired, "cancelling needs the customer's own sign-in, not a tracking link")
        }
        guard allowed(order, to: target, by: viewer) else {
            throw PosyError(.forbidden, "not allowed to make this order \(target.rawValue)")
        }
        if target == .assigned, (courierId ?? "").isEmpty {
            throw PosyError(.invalidField, "assigning needs a courierId")
        }
        if target == .failed, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw PosyError(.invalidField, "a failed delivery needs a reason")
        }
    }

    static func allowed(_ order: Order, to target: OrderState, by viewer: Viewer) -> Bool {
        switch viewer {
        case .service(let name):
            switch target {
            case .outForDelivery, .arriving: return name == ServiceName.location
            case .delivered, .completed: return name == ServiceName.receipts
            default: return false
            }
        case .user(let sub, let role, let shop, let scope):
            let staffOfShop = role == .admin || (role == .staff && shop == order.shopId)
            let assignedCourier = role == .courier && shop == order.shopId && order.courierId == sub
            let ownCustomer = role == .customer && order.customer?.id == sub && scope == nil
            switch target {
            // Back to `confirmed` from an assignment: the courier declines, or staff take it back.
            case .confirmed: return staffOfShop || (assignedCourier && [.assigned, .accepted].contains(order.state))
            case .assigned: return staffOfShop
            case .accepted: return assignedCourier
            case .pickedUp, .outForDelivery, .failed, .returned: return assignedCourier || staffOfShop
            case .cancelled: return staffOfShop || (ownCustomer && order.state == .placed)
            case .arriving: return assignedCourier
            case .delivered, .completed: return false
            case .placed: return false
            }
        }
    }
}
