/// Who ordered.
public struct OrderCustomer: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var phone: String?

    public init(id: String, name: String, phone: String? = nil) {
        self.id = id
        self.name = name
        self.phone = phone
    }
}

/// Who receives the flowers — often not the customer. Contact fields are nil in the view of
/// someone who may not see them (a courier outside the assignment-to-delivery window).
public struct OrderRecipient: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String?
    public var address: String?
    public var lat: Double?
    public var lon: Double?

    public init(name: String, phone: String?, address: String?, lat: Double?, lon: Double?) {
        self.name = name
        self.phone = phone
        self.address = address
        self.lat = lat
        self.lon = lon
    }
}

/// Who the flowers are from, as the recipient may learn it. `anonymous` hides name and phone from
/// everyone but the shop and the customer.
public struct OrderSender: Codable, Sendable, Equatable {
    public var name: String?
    public var phone: String?
    public var anonymous: Bool

    public init(name: String?, phone: String?, anonymous: Bool) {
        self.name = name
        self.phone = phone
        self.anonymous = anonymous
    }

    /// `anonymous` left out means false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        phone = try c.decodeIfPresent(String.self, forKey: .phone)
        anonymous = try c.decodeIfPresent(Bool.self, forKey: .anonymous) ?? false
    }
}

public struct OrderItem: Codable, Sendable, Equatable {
    public var name: String
    public var quantity: Int

    public init(name: String, quantity: Int) {
        self.name = name
        self.quantity = quantity
    }
}

/// Florist handling flags.
public struct OrderHandling: Codable, Sendable, Equatable {
    public var keepCool = false
    public var noDoorstep = false
    public var fragile = false
    public var needsWater = false

    public init(keepCool: Bool = false, noDoorstep: Bool = false, fragile: Bool = false, needsWater: Bool = false) {
        self.keepCool = keepCool
        self.noDoorstep = noDoorstep
        self.fragile = fragile
        self.needsWater = needsWater
    }

    /// Flags that are left out are false: a client sends only those that apply.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        keepCool = try c.decodeIfPresent(Bool.self, forKey: .keepCool) ?? false
        noDoorstep = try c.decodeIfPresent(Bool.self, forKey: .noDoorstep) ?? false
        fragile = try c.decodeIfPresent(Bool.self, forKey: .fragile) ?? false
        needsWater = try c.decodeIfPresent(Bool.self, forKey: .needsWater) ?? false
    }
}

/// The delivery window, RFC 3339.
public struct DeliveryWindow: Codable, Sendable, Equatable {
    public var start: String
    public var end: String

    public init(start: String, end: String) {
        self.start = start
        self.end = end
    }
}
