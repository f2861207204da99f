import Foundation
import PosyAccess
import PosySchema

/// Need-to-know for what `posy-receipts` publishes (the gateway asks this for every stream):
///
/// - `proof.accepted`: staff of the shop and the courier see the whole proof with its checks; the
///   order's customer sees it without checks, position and courier id (the photos are theirs to open).
/// - `delivery.confirmed`: the shop, the courier and the customer.
/// - `delivery.disputed`: the shop and the customer — the courier hears of it from the shop.
public enum ReceiptsVisibility {
    /// Who an event may concern (``EventAudience``), decided once per event.
    public static func audience(_ envelope: Envelope) -> EventAudience {
        switch envelope.type {
        case ReceiptsEvents.proofAccepted.topic:
            guard let p = try? envelope.decode(Proof.self) else { return .nobody }
            return EventAudience(shop: p.shopId, users: [p.courierId, p.customerId])
        case ReceiptsEvents.deliveryConfirmed.topic, ReceiptsEvents.deliveryDisputed.topic:
            guard let c = try? envelope.decode(DeliveryConfirmation.self) else { return .nobody }
            return EventAudience(shop: c.shopId, users: [c.courierId, c.customerId])
        default:
            return .nobody
        }
    }

    public static func event(_ envelope: Envelope, for viewer: Viewer) -> Data? {
        if viewer.isService { return envelope.data }
        switch envelope.type {
        case ReceiptsEvents.proofAccepted.topic:
            guard let p = try? envelope.decode(Proof.self) else { return nil }
            if viewer.isStaff(of: p.shopId) || viewer.isCourier(p.courierId, of: p.shopId) { return envelope.data }
            guard viewer.isCustomer(p.customerId, of: p.orderId) else { return nil }
            return try? JSON.encode(customerView(p))
        case ReceiptsEvents.deliveryConfirmed.topic, ReceiptsEvents.deliveryDisputed.topic:
            guard let c = try? envelope.decode(DeliveryConfirmation.self) else { return nil }
            if viewer.isStaff(of: c.shopId) { return envelope.data }
            if envelope.type == ReceiptsEvents.deliveryConfirmed.topic, viewer.isCourier(c.courierId, of: c.shopId) { return envelope.data }
            guard viewer.isCustomer(c.customerId, of: c.orderId) else { return nil }
            return try? JSON.encode(customerView(c))
        default:
            return nil
        }
    }

    /// A proof as its customer sees it: no shop checks, no position, no courier id.
    public static func customerView(_ p: Proof) -> Proof {
        var out = p
        out.checks = nil
        out.lat = nil
        out.lon = nil
        out.accuracy = nil
        out.courierId = nil
        return out
    }

    /// An answer as its customer sees it: no courier id.
    public static func customerView(_ c: DeliveryConfirmation) -> DeliveryConfirmation {
        var out = c
        out.courierId = nil
        return out
    }

}
