import Foundation

/// The coordinate systems China's maps use, converted at the edges (docs/architecture.md,
/// "Coordinates"): Posy stores and computes in WGS-84 (GPS, OpenStreetMap); AMap (Gaode), Tencent
/// and other Chinese maps speak GCJ-02, Baidu BD-09. GCJ-02 is WGS-84 shifted by a published
/// formula (300–500 m in cities) on the Krasovsky ellipsoid; outside China it is WGS-84 unchanged.
public enum ChinaCoordinates {
    /// A latitude and longitude in one system.
    public struct Point: Sendable, Equatable {
        public var lat: Double
        public var lon: Double
        public init(lat: Double, lon: Double) {
            self.lat = lat
            self.lon = lon
        }
    }

    static let a = 6_378_245.0
    static let ee = 0.006_693_421_622_965_943_23
    static let xPi = Double.pi * 3000.0 / 180.0

    /// Whether the point is outside the box GCJ-02 shifts (the usual bounding box of China).
    public static func isOutsideChina(_ p: Point) -> Bool {
        p.lon < 72.004 || p.lon > 137.8347 || p.lat < 0.8293 || p.lat > 55.8271
    }

    /// WGS-84 → GCJ-02.
    public static func gcj(fromWGS p: Point) -> Point {
        if isOutsideChina(p) { return p }
        let (dLat, dLon) = delta(p)
        return Point(lat: p.lat + dLat, lon: p.lon + dLon)
    }

    /// GCJ-02 → WGS-84: the shift inverted by iteration until it moves less than a millimetre.
    public static func wgs(fromGCJ g: Point) -> Point {
        if isOutsideChina(g) { return g }
        var w = g
        for _ in 0..<10 {
            let back = gcj(fromWGS: w)
            let (eLat, eLon) = (back.lat - g.lat, back.lon - g.lon)
            w = Point(lat: w.lat - eLat, lon: w.lon - eLon)
            if abs(eLat) < 1e-9 && abs(eLon) < 1e-9 { break }
        }
        return w
    }

    /// GCJ-02 → BD-09.
    public static func bd(fromGCJ g: Point) -> Point {
        let z = (g.lon * g.lon + g.lat * g.lat).squareRoot() + 0.000_02 * sin(g.lat * xPi)
        let theta = atan2(g.lat, g.lon) + 0.000_003 * cos(g.lon * xPi)
        return Point(lat: z * sin(theta) + 0.006, lon: z * cos(theta) + 0.0065)
    }

    /// BD-09 → GCJ-02.
    public static func gcj(fromBD b: Point) -> Point {
        let (x, y) = (b.lon - 0.0065, b.lat - 0.006)
        let z = (x * x + y * y).squareRoot() - 0.000_02 * sin(y * xPi)
        let theta = atan2(y, x) - 0.000_003 * cos(x * xPi)
        return Point(lat: z * sin(theta), lon: z * cos(theta))
    }

    /// WGS-84 → BD-09.
    public static func bd(fromWGS p: Point) -> Point { bd(fromGCJ: gcj(fromWGS: p)) }

    /// BD-09 → WGS-84.
    public static func wgs(fromBD b: Point) -> Point { wgs(fromGCJ: gcj(fromBD: b)) }

    /// The GCJ-02 shift at a WGS-84 point, in degrees.
    static func delta(_ p: Point) -> (lat: Double, lon: Double) {
        let x = p.lon - 105.0
        let y = p.lat - 35.0
        var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        dLat += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        dLat += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
        dLat += (160.0 * sin(y / 12.0 * .pi) + 320 * sin(y * .pi / 30.0)) * 2.0 / 3.0
        var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        dLon += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        dLon += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
        dLon += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
        let radLat = p.lat / 180.0 * .pi
        var magic = sin(radLat)
        magic = 1 - ee * magic * magic
        let sqrtMagic = magic.squareRoot()
        dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sqrtMagic) * .pi)
        dLon = (dLon * 180.0) / (a / sqrtMagic * cos(radLat) * .pi)
        return (dLat, dLon)
    }
}
