import PosySchema

/// Who a durable event can concern at all: its shop's staff and the users it names (customer,
/// courier). The gateway works this out once per event, so a stream connection runs the full
/// need-to-know filter (``OrderVisibility``, …) only for events that may be for it — with thousands
/// of connections, deciding per connection by decoding every event would cost events × connections.
///
/// It is a coarse superset: the filter still decides what, if anything, the viewer sees. Admins and
/// services are never skipped.
public struct EventAudience: Sendable, Equatable {
    /// Staff of this shop (nil: no shop's staff).
    public var shop: String?
    /// Users (customers, couriers) by id.
    public var users: Set<String>
    /// Everyone: the filter runs for every connection (an event whose parties are unknown).
    public var everyone: Bool

    public init(shop: String?, users: [String?] = [], everyone: Bool = false) {
        self.shop = shop
        self.users = Set(users.compactMap { $0 })
        self.everyone = everyone
    }

    public static let everyone = EventAudience(shop: nil, everyone: true)
    /// Only admins and services (an event no user may see).
    public static let nobody = EventAudience(shop: nil)

    /// Whether the filter needs to run for `viewer`.
    public func mayConcern(_ viewer: Viewer) -> Bool {
        if everyone { return true }
        switch viewer {
        case .service:
            return true
        case .user(let sub, let role, let viewerShop, _):
            switch role {
            case .admin: return true
            case .staff: return viewerShop != nil && viewerShop == shop
            case .customer, .courier: return users.contains(sub)
            }
        }
    }
}
