import Foundation

/// One fix of a delivery's track as the evidence keeps it (`location.track`): where and when the
/// phone said it was, and when Posy received it. A fix that arrived long after it was taken — an app
/// that was offline, or one that made it up afterwards — is marked `late`: it is what the phone
/// says, not what Posy saw as it happened (docs/architecture.md, "Location").
public struct TrackPoint: Codable, Sendable, Equatable {
    public var lat: Double
    public var lon: Double
    public var accuracy: Double
    public var speed: Double?
    public var heading: Double?
    /// The device's time of the fix (RFC 3339).
    public var at: String
    /// When posy-location received it (RFC 3339, the service clock).
    public var receivedAt: String
    /// True when it arrived more than ``lateAfter`` after it was taken; absent otherwise.
    public var late: Bool?

    /// A live fix reaches Posy within seconds (the app sends every few); one older than this was kept back.
    public static let lateAfter: TimeInterval = 60

    public init(
        lat: Double, lon: Double, accuracy: Double, speed: Double? = nil, heading: Double? = nil, at: Date, receivedAt: Date
    ) {
        self.lat = lat
        self.lon = lon
        self.accuracy = accuracy
        self.speed = speed
        self.heading = heading
        self.at = Timestamp.format(at)
        self.receivedAt = Timestamp.format(receivedAt)
        self.late = receivedAt.timeIntervalSince(at) > Self.lateAfter ? true : nil
    }
}
