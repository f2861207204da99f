/// An accepted proof of delivery: the payload of the durable `proof.accepted` event, which moves
/// the order to `delivered`. Customers see it without the checks, the position and the courier id.
public struct Proof: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var id: String
    public var orderId: String
    public var shopId: String
    public var courierId: String?
    public var customerId: String?
    public var photos: [ProofMedia]
    public var signature: ProofMedia?
    public var lat: Double?
    public var lon: Double?
    public var accuracy: Double?
    public var handedTo: HandOver
    public var recipientName: String?
    public var note: String?
    public var checks: ProofChecks?
    public var submittedAt: String

    public init(
        id: String, orderId: String, shopId: String, courierId: String?, customerId: String?, photos: [ProofMedia],
        signature: ProofMedia?, lat: Double?, lon: Double?, accuracy: Double?, handedTo: HandOver,
        recipientName: String?, note: String?, checks: ProofChecks?, submittedAt: String
    ) {
        self.id = id
        self.orderId = orderId
        self.shopId = shopId
        self.courierId = courierId
        self.customerId = customerId
        self.photos = photos
        self.signature = signature
        self.lat = lat
        self.lon = lon
        self.accuracy = accuracy
        self.handedTo = handedTo
        self.recipientName = recipientName
        self.note = note
        self.checks = checks
        self.submittedAt = submittedAt
    }
}
