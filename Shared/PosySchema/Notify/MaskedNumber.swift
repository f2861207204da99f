/// The number a courier dials to reach an order's recipient through the masked-number provider
/// (`POST /v1/orders/{id}/call-number`): it rings the recipient, who sees this number too.
public struct MaskedNumber: Codable, Sendable, Equatable {
    public var orderId: String
    public var number: String
    /// Until when the provider keeps the binding (the order's close plus the shop's hours, at the latest).
    public var expiresAt: String

    public init(orderId: String, number: String, expiresAt: String) {
        self.orderId = orderId
        self.number = number
        self.expiresAt = expiresAt
    }
}
