/// A courier's latest kept position: the staff's live map (`location.live`, `courier.position`
/// pushes on the shop's topic) and the position inside a ``TrackingView``.
public struct CourierPosition: Codable, Sendable, Equatable {
    public var courierId: String?
    public var lat: Double
    public var lon: Double
    /// Metres.
    public var accuracy: Double
    public var speed: Double?
    public var heading: Double?
    /// The device time of the fix (RFC 3339).
    public var at: String
    /// Seconds between the fix and the service's now.
    public var ageSeconds: Double?
    /// The orders the courier has under way (staff's live map only).
    public var orderIds: [String]?
    /// The predicted arrival (RFC 3339) of each order under way that has one, by order id (staff's
    /// live map only): the console's live ETA on every card.
    public var arrivals: [String: String]?
    /// The courier's app is in the background (staff's live map only; absent when in front).
    public var appInBackground: Bool?

    public init(
        courierId: String?, lat: Double, lon: Double, accuracy: Double, speed: Double? = nil, heading: Double? = nil,
        at: String, ageSeconds: Double? = nil, orderIds: [String]? = nil
    ) {
        self.courierId = courierId
        self.lat = lat
        self.lon = lon
        self.accuracy = accuracy
        self.speed = speed
        self.heading = heading
        self.at = at
        self.ageSeconds = ageSeconds
        self.orderIds = orderIds
    }
}
