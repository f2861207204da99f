/// `POST /v1/privacy/erasures`: the person, by exactly one of a customer id, a phone number or a
/// courier's id, and the shop whose data it covers (required of a manager; an admin may leave it
/// out for every shop — not for a courier, who is one shop's).
public struct ErasureInput: Codable, Sendable, Equatable {
    public var customerId: String?
    public var phone: String?
    /// A courier who left the shop: their position track and phone.
    public var courierId: String?
    public var shopId: String?

    public init(customerId: String? = nil, phone: String? = nil, courierId: String? = nil, shopId: String? = nil) {
        self.courierId = courierId
        self.customerId = customerId
        self.phone = phone
        self.shopId = shopId
    }
}
