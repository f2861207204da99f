/// A fix written and read by hand (docs/performance.md, "Posy's own JSON for positions"): the same
/// bytes as its `encode(to:)` through `JSON.encode`, and the plain form of what its
/// `init(from:)` takes — a `null` or `"NaN"` coordinate is left to that initializer.
extension PositionFix: HandEncodable, HandDecodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("accuracy")
        try Self.write(accuracy, to: &w)
        w.key("at")
        w.string(at)
        if let heading, heading.isFinite {
            w.key("heading")
            try w.number(heading)
        }
        w.key("lat")
        try Self.write(lat, to: &w)
        w.key("lon")
        try Self.write(lon, to: &w)
        if let speed, speed.isFinite {
            w.key("speed")
            try w.number(speed)
        }
        w.closeObject()
    }

    /// A coordinate or accuracy: JSON has no NaN, so a non-finite one is the string `"NaN"`.
    private static func write(_ value: Double, to w: inout HandJSONWriter) throws {
        if value.isFinite { try w.number(value) } else { w.string("NaN") }
    }

    static func read(from p: inout EnvelopeCodec.Parser) throws -> PositionFix {
        var lat: Double?
        var lon: Double?
        var accuracy: Double?
        var speed: Double?
        var heading: Double?
        var at: String?
        try p.object { p, name in
            switch name {
            case "lat":
                lat = try p.double()
                return 1
            case "lon":
                lon = try p.double()
                return 2
            case "accuracy":
                accuracy = try p.double()
                return 4
            case "speed":
                speed = try p.optionalDouble()
                return 8
            case "heading":
                heading = try p.optionalDouble()
                return 16
            case "at":
                at = try p.string()
                return 32
            default:
                try p.skipPlainValue()
                return 0
            }
        }
        guard let lat, let lon, let accuracy, let at else { throw p.fail("not a plain fix") }
        return PositionFix(lat: lat, lon: lon, accuracy: accuracy, speed: speed, heading: heading, at: at)
    }
}
