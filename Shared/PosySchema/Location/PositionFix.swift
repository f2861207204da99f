/// One position a courier's phone measured: sent in batches, late, out of order, repeated.
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

    enum CodingKeys: String, CodingKey { case lat, lon, accuracy, speed, heading, at }

    public init(lat: Double, lon: Double, accuracy: Double, speed: Double? = nil, heading: Double? = nil, at: String) {
        self.lat = lat
        self.lon = lon
        self.accuracy = accuracy
        self.speed = speed
        self.heading = heading
        self.at = at
    }

    /// A coordinate or accuracy that is `null` or one of the strings `"NaN"`, `"Infinity"`,
    /// `"-Infinity"` (how JSON writers spell what JSON cannot) reads as NaN, so the filter drops that
    /// one point and keeps the rest of its batch; a missing one is still a malformed batch.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double {
            if try c.decodeNil(forKey: key) { return .nan }
            if let d = try? c.decode(Double.self, forKey: key) { return d }
            let s = try c.decode(String.self, forKey: key)
            switch s {
            case "NaN", "nan", "Infinity", "-Infinity": return .nan
            default:
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not a number: \(s.prefix(20))")
            }
        }
        lat = try number(.lat)
        lon = try number(.lon)
        accuracy = try number(.accuracy)
        speed = try c.decodeIfPresent(Double.self, forKey: .speed)
        heading = try c.decodeIfPresent(Double.self, forKey: .heading)
        at = try c.decode(String.self, forKey: .at)
    }

    /// Writes what it read: a non-finite coordinate or accuracy as the string `"NaN"` (JSON has no
    /// NaN), so a batch passes from the gateway to posy-location intact and is judged there.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (key, value) in [(CodingKeys.lat, lat), (.lon, lon), (.accuracy, accuracy)] {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encode("NaN", forKey: key) }
        }
        try c.encodeIfPresent(speed.flatMap { $0.isFinite ? $0 : nil }, forKey: .speed)
        try c.encodeIfPresent(heading.flatMap { $0.isFinite ? $0 : nil }, forKey: .heading)
        try c.encode(at, forKey: .at)
    }
}
