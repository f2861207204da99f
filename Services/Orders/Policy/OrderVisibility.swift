import Foundation
import PosyAccess
import PosySchema

/// Need-to-know views of an order (docs/architecture.md, "Orders"). `view` returns nil when the viewer may not
/// see the order at all — the API answers 404 then, so existence is not revealed.
///
/// - admin: everything; staff: everything of their own shop.
/// - courier: only orders assigned to them; never the card message; never an anonymous sender (the
///   whole sender is removed); the recipient's phone and address only from assignment until 30
///   minutes after delivery (never the phone on an order with masked calls); the customer's name only.
/// - customer: their own order (a tracking token is also limited to its order); everything they
///   entered themselves; the courier by first name and vehicle (`courier`), not by id.
public enum OrderVisibility {
    /// How long after delivery a courier still sees the recipient's contact.
    public static let courierContactGrace: TimeInterval = 30 * 60

    static let courierContactStates: Set<OrderState> = [.assigned, .accepted, .pickedUp, .outForDelivery, .arriving, .delivered]

    public static func view(_ order: Order, for viewer: Viewer, now: Date = Date()) -> Order? {
        switch viewer {
        case .service:
            return order
        case .user(let sub, let role, let shop, let scope):
            switch role {
            case .admin:
                return order
            case .staff:
                return shop == order.shopId ? order : nil
            case .customer:
                guard order.customer?.id == sub, scope == nil || scope == order.id else { return nil }
                var v = order
                v.courierId = nil  // the customer knows the courier by first name and vehicle only
                return v
            case .courier:
                guard shop == order.shopId, order.courierId == sub else { return nil }
                var v = order
                v.cardMessage = nil
                v.linkGeneration = nil
                if order.sender?.anonymous != false { v.sender = nil }
                v.customer = order.customer.map { OrderCustomer(id: $0.id, name: $0.name, phone: nil) }
                if !courierSeesContact(order, now: now) {
                    v.recipient = order.recipient.map { OrderRecipient(name: $0.name, phone: nil, address: nil, lat: nil, lon: nil) }
                } else if order.maskedCalls == true {
                    // Calls go through a masked number: the recipient's own is never the courier's to see.
                    v.recipient?.phone = nil
                }
                return v
            }
        }
    }

    static func courierSeesContact(_ order: Order, now: Date) -> Bool {
        guard courierContactStates.contains(order.state) else { return false }
        if order.state == .delivered {
            guard let at = order.deliveredAt.flatMap(Timestamp.parse) else { return false }
            return now.timeIntervalSince(at) <= courierContactGrace
        }
        return true
    }
}
