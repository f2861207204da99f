/// Payload of the durable events `posy-location` raises about a delivery:
///
/// - `delivery.departed` — the courier left the shop's geofence with the order picked up (orders
///   moves it to `outForDelivery` if the courier did not);
/// - `delivery.arriving` — the courier came within the arrival radius of the recipient (once);
/// - `delivery.delayRisk` — the predicted arrival passed the window's end minus the margin
///   (`predictedArrival`, `lateBySeconds`);
/// - `delivery.signalLost` / `delivery.signalRestored` — nothing from the courier for the limit / again;
/// - `delivery.stuck` — within the stuck radius of the recipient for the limit without a proof.
public struct DeliveryAlert: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var orderId: String
    public var shopId: String
    public var courierId: String?
    public var customerId: String?
    /// The location service's time of the finding (RFC 3339).
    public var at: String
    public var lat: Double?
    public var lon: Double?
    public var distanceMeters: Double?
    public var etaSeconds: Double?
    public var predictedArrival: String?
    public var windowEnd: String?
    /// Positive: after the window's end.
    public var lateBySeconds: Double?
    /// The time of the last position before the silence (signal events).
    public var lastPositionAt: String?
    /// Since when the courier has been near the door (`delivery.stuck`).
    public var since: String?

    public init(orderId: String, shopId: String, courierId: String?, customerId: String?, at: String) {
        self.orderId = orderId
        self.shopId = shopId
        self.courierId = courierId
        self.customerId = customerId
        self.at = at
    }
}
