/// One position a courier's phone measured (issue 6): sent in batches, late, out of order, repeated.
public struct PositionFix: Codable, Sendable, Equatable {
    public var lat: Double
    public var lon: Double
    /// Horizontal accuracy in metres (68 % radius, as phones report it).
    public var accuracy: Double
    /// Metres per second, when the phone knows it.
    public var speed: Double?
    /// Degrees clockwise from north.
    public var heading: Double?
    /// The device's time of the fix (RFC 3339).
    public var at: String

    public init(lat: Double, lon: Double, accuracy: Double, speed: Double? = nil, heading: Double? = nil, at: String) {
        self.lat = lat
        self.lon = lon
        self.accuracy = accuracy
        self.speed = speed
        self.heading = heading
        self.at = at
    }
}
