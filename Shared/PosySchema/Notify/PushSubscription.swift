/// One device's push subscription as its owner sees it (the keys stay in posy-notify).
public struct PushSubscription: Codable, Sendable, Equatable {
    public var id: String
    public var endpoint: String
    public var expirationTime: Double?
    /// The tracking link's order a customer subscribed for; nil for staff and couriers.
    public var orderId: String?
    public var createdAt: String

    public init(id: String, endpoint: String, expirationTime: Double?, orderId: String?, createdAt: String) {
        self.id = id
        self.endpoint = endpoint
        self.expirationTime = expirationTime
        self.orderId = orderId
        self.createdAt = createdAt
    }
}
