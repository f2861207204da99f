/// A shared place in a `location` message.
public struct ChatLocation: Codable, Sendable, Equatable {
    public var lat: Double
    public var lon: Double
    public var label: String?

    public init(lat: Double, lon: Double, label: String? = nil) {
        self.lat = lat
        self.lon = lon
        self.label = label
    }
}
