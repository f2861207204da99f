/// A delivery's confirmation or dispute: the payload of `delivery.confirmed` (which completes the
/// order; `by` is `customer` or `deadline`) and `delivery.disputed` (which alerts the shop).
public struct DeliveryConfirmation: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var orderId: String
    public var shopId: String
    public var courierId: String?
    public var customerId: String?
    public var ok: Bool
    /// `customer`, or `deadline` when nobody answered in time.
    public var by: String
    public var reason: DisputeReason?
    public var note: String?
    public var media: [ProofMedia]
    public var at: String

    public init(
        orderId: String, shopId: String, courierId: String?, customerId: String?, ok: Bool, by: String,
        reason: DisputeReason?, note: String?, media: [ProofMedia], at: String
    ) {
        self.orderId = orderId
        self.shopId = shopId
        self.courierId = courierId
        self.customerId = customerId
        self.ok = ok
        self.by = by
        self.reason = reason
        self.note = note
        self.media = media
        self.at = at
    }
}
