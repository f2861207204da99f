/// What a JPEG's EXIF says about when and where it was taken (proof photos).
public struct PhotoMetadata: Codable, Sendable, Equatable {
    /// `DateTimeOriginal`, RFC 3339 when EXIF gave an offset (`OffsetTimeOriginal`), else local
    /// time as `yyyy-MM-ddTHH:mm:ss` without one.
    public var capturedAt: String?
    public var lat: Double?
    public var lon: Double?

    public init(capturedAt: String? = nil, lat: Double? = nil, lon: Double? = nil) {
        self.capturedAt = capturedAt
        self.lat = lat
        self.lon = lon
    }

    public var isEmpty: Bool { capturedAt == nil && lat == nil && lon == nil }
}
