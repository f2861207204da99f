/// A flower shop.
public struct Shop: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var id: String
    public var name: String
    public var address: String
    public var lat: Double
    public var lon: Double
    /// IANA time zone, e.g. `Asia/Shanghai`.
    public var timeZone: String
    /// The shop's own retention of personal data, within the table's bounds (docs/operations.md, "Retention").
    public var retention: ShopRetention?

    public init(id: String, name: String, address: String, lat: Double, lon: Double, timeZone: String) {
        self.id = id
        self.name = name
        self.address = address
        self.lat = lat
        self.lon = lon
        self.timeZone = timeZone
    }
}

/// How a courier moves (sets the default speed for ETAs).
public enum Vehicle: String, Codable, Sendable, CaseIterable {
    case foot, bike, ebike, car, van
}

/// A courier of one shop.
public struct Courier: Codable, Sendable, Equatable {
    public var v: Int = 1
    /// Posy's id for the courier, the same in every shop's eyes (it is their tokens' subject and
    /// their pushes' address): made by Posy, chosen only by the operator.
    public var id: String
    public var shopId: String
    /// The shop's own reference for the courier (a staff number), unique within the shop only.
    public var ref: String?
    public var name: String
    public var phone: String
    public var vehicle: Vehicle
    public var onDuty: Bool
    /// The courier's consent to location collection, when the courier app recorded one.
    public var locationConsent: CourierConsent?

    public init(id: String, shopId: String, ref: String? = nil, name: String, phone: String, vehicle: Vehicle, onDuty: Bool) {
        self.ref = ref
        self.id = id
        self.shopId = shopId
        self.name = name
        self.phone = phone
        self.vehicle = vehicle
        self.onDuty = onDuty
    }
}

/// One step of an order's history: the state it entered, who moved it, when.
public struct TimelineEntry: Codable, Sendable, Equatable {
    public var n: Int
    public var state: OrderState
    /// `staff:st1`, `courier:k1`, `customer:c1`, `admin:a`, `service:location`.
    public var actor: String
    public var at: String
    public var detail: String?

    public init(n: Int, state: OrderState, actor: String, at: String, detail: String?) {
        self.n = n
        self.state = state
        self.actor = actor
        self.at = at
        self.detail = detail
    }
}

/// `order.<state>` durable event payload: the order's new state and who moved it.
public struct OrderEvent: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var orderId: String
    public var shopId: String
    public var state: OrderState
    public var courierId: String?
    public var conversationId: String
    public var actor: String
    public var at: String
    public var detail: String?
    /// The whole order after the transition; the gateway's stream shows each viewer their view of it.
    public var order: Order?

    public init(
        orderId: String, shopId: String, state: OrderState, courierId: String?, conversationId: String,
        actor: String, at: String, detail: String?, order: Order? = nil
    ) {
        self.order = order
        self.orderId = orderId
        self.shopId = shopId
        self.state = state
        self.courierId = courierId
        self.conversationId = conversationId
        self.actor = actor
        self.at = at
        self.detail = detail
    }
}
