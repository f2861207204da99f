/// `GET /v1/orders/{id}/tracking` and the body of `order.position` pushes: where the order's courier
/// is, how far from the recipient, and when they should be there.
public struct TrackingView: Codable, Sendable, Equatable {
    public var orderId: String
    public var state: OrderState
    /// The courier's last position (nil before the first fix of this delivery).
    public var position: CourierPosition?
    /// Great-circle metres from the position to the recipient.
    public var distanceMeters: Double?
    public var eta: ETA?
    /// The delivery window's end.
    public var windowEnd: String

    public struct ETA: Codable, Sendable, Equatable {
        /// Seconds from now to the hand-over.
        public var seconds: Double
        /// The predicted arrival (RFC 3339).
        public var at: String
        /// Whether the speed came from the recent track (else the vehicle's default).
        public var fromTrack: Bool

        public init(seconds: Double, at: String, fromTrack: Bool) {
            self.seconds = seconds
            self.at = at
            self.fromTrack = fromTrack
        }
    }

    public init(orderId: String, state: OrderState, position: CourierPosition?, distanceMeters: Double?, eta: ETA?, windowEnd: String) {
        self.orderId = orderId
        self.state = state
        self.position = position
        self.distanceMeters = distanceMeters
        self.eta = eta
        self.windowEnd = windowEnd
    }
}
