/// Where the courier may leave the flowers when the recipient is not there.
public struct DropOffInstruction: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case handToNeighbour, safePlace }
    public var kind: Kind
    /// Which neighbour, or where the safe place is.
    public var description: String
    /// Set by posy-orders (never taken from a client): staff asked for this drop-off or approved it.
    /// A `safePlace` proof on a `noDoorstep` order needs it.
    public var allowedByShop: Bool?

    public init(kind: Kind, description: String, allowedByShop: Bool? = nil) {
        self.kind = kind
        self.description = description
        self.allowedByShop = allowedByShop
    }
}

/// A new delivery address.
public struct AddressChange: Codable, Sendable, Equatable {
    public var address: String
    public var lat: Double
    public var lon: Double

    public init(address: String, lat: Double, lon: Double) {
        self.address = address
        self.lat = lat
        self.lon = lon
    }
}

/// What a customer (or staff on their behalf) asks to change; exactly one of the fields is set.
public struct ChangeInput: Codable, Sendable, Equatable {
    public var address: AddressChange?
    public var window: DeliveryWindow?
    public var dropOff: DropOffInstruction?

    public init(address: AddressChange? = nil, window: DeliveryWindow? = nil, dropOff: DropOffInstruction? = nil) {
        self.address = address
        self.window = window
        self.dropOff = dropOff
    }
}

public enum ChangeState: String, Codable, Sendable {
    /// Asked after pickup: waits for staff.
    case pending
    case applied, rejected
}

/// A change request and its fate. Events: `order.change.requested` (pending),
/// `order.change.applied`, `order.change.rejected`.
public struct OrderChange: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var id: String
    public var orderId: String
    public var shopId: String
    public var courierId: String?
    /// The customer whose order it is (who may see it on their stream).
    public var customerId: String?
    public var change: ChangeInput
    public var state: ChangeState
    public var requestedBy: String
    public var requestedAt: String
    public var decidedBy: String?
    public var decidedAt: String?
    public var reason: String?

    public init(
        id: String, orderId: String, shopId: String, courierId: String?, customerId: String?, change: ChangeInput,
        state: ChangeState, requestedBy: String, requestedAt: String
    ) {
        self.id = id
        self.orderId = orderId
        self.shopId = shopId
        self.courierId = courierId
        self.customerId = customerId
        self.change = change
        self.state = state
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
    }
}
