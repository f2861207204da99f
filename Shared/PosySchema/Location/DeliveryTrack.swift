/// `GET /v1/orders/{id}/track`: the route the courier drove for one order, from pickup to the end
/// of the delivery (or now), in device-time order.
public struct DeliveryTrack: Codable, Sendable, Equatable {
    public var orderId: String
    public var courierId: String?
    public var from: String?
    public var until: String?
    public var points: [TrackPoint]
    /// Metres along the points.
    public var distanceMeters: Double

    public init(orderId: String, courierId: String?, from: String?, until: String?, points: [TrackPoint], distanceMeters: Double) {
        self.orderId = orderId
        self.courierId = courierId
        self.from = from
        self.until = until
        self.points = points
        self.distanceMeters = distanceMeters
    }
}
