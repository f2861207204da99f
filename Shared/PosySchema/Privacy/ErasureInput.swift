/// `POST /v1/privacy/erasures`: the person, by exactly one of a customer id or a phone number, and
/// the shop whose data it covers (required of a manager; an admin may leave it out for every shop).
public struct ErasureInput: Codable, Sendable, Equatable {
    public var customerId: String?
    public var phone: String?
    public var shopId: String?

    public init(customerId: String? = nil, phone: String? = nil, shopId: String? = nil) {
        self.customerId = customerId
        self.phone = phone
        self.shopId = shopId
    }
}
