import Foundation
import PosyAccess
import PosySchema

/// Need-to-know for what `posy-location` publishes durably (the gateway asks this for every stream):
/// the `delivery.*` alerts are for the staff of the shop, who act on them (call the courier, tell
/// the customer). The customer hears of arrival and departure through the order's own events, and
/// of a delay through posy-notify; the courier through the shop.
public enum LocationVisibility {
    /// Who an event may concern (``EventAudience``), decided once per event: the shop's staff.
    public static func audience(_ envelope: Envelope) -> EventAudience {
        guard envelope.type.hasPrefix(LocationEvents.prefix), let alert = try? envelope.decode(DeliveryAlert.self) else { return .nobody }
        return EventAudience(shop: alert.shopId)
    }

    public static func event(_ envelope: Envelope, for viewer: Viewer) -> Data? {
        if viewer.isService { return envelope.data }
        guard envelope.type.hasPrefix(LocationEvents.prefix), let alert = try? envelope.decode(DeliveryAlert.self),
            viewer.isStaff(of: alert.shopId)
        else { return nil }
        return envelope.data
    }
}
