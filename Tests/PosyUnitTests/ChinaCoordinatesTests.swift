import Foundation
import PosySchema
import Testing

/// Conversions against the published samples of wandergis/coordtransform (the formulas AMap, Tencent
/// and Baidu document), and what they mean for a map (docs/architecture.md, "Coordinates").
@Suite struct ChinaCoordinatesTests {
    typealias P = ChinaCoordinates.Point
    /// Tiananmen, as coordtransform's tests take it: (lng 116.404, lat 39.915).
    static let sample = P(lat: 39.915, lon: 116.404)

    static func close(_ a: P, _ b: P, _ degrees: Double = 1e-9) -> Bool { abs(a.lat - b.lat) < degrees && abs(a.lon - b.lon) < degrees }

    @Test func thePublishedSamplesComeOut() {
        #expect(Self.close(ChinaCoordinates.gcj(fromWGS: Self.sample), P(lat: 39.91640428150164, lon: 116.41024449916938)))
        #expect(Self.close(ChinaCoordinates.bd(fromGCJ: Self.sample), P(lat: 39.92133699351021, lon: 116.41036949371029)))
        #expect(Self.close(ChinaCoordinates.gcj(fromBD: Self.sample), P(lat: 39.90865673957631, lon: 116.39762729119315)))
        // coordtransform inverts GCJ-02 in one step (metres off); this inverse iterates to the millimetre,
        // so it agrees with theirs within their error and goes back exactly.
        let wgs = ChinaCoordinates.wgs(fromGCJ: Self.sample)
        #expect(Geo.distance(lat1: wgs.lat, lon1: wgs.lon, lat2: 39.91359571849836, lon2: 116.39775550083061) < 2)
        let back = ChinaCoordinates.gcj(fromWGS: wgs)
        #expect(Geo.distance(lat1: back.lat, lon1: back.lon, lat2: Self.sample.lat, lon2: Self.sample.lon) < 0.001)
        // Baidu's published pair is not an exact inverse: a round trip lands some centimetres off.
        let bdBack = ChinaCoordinates.wgs(fromBD: ChinaCoordinates.bd(fromWGS: Self.sample))
        #expect(Geo.distance(lat1: bdBack.lat, lon1: bdBack.lon, lat2: Self.sample.lat, lon2: Self.sample.lon) < 0.5)
    }

    @Test func outsideChinaNothingMoves() {
        let berlin = P(lat: 52.5208, lon: 13.4095)
        #expect(ChinaCoordinates.gcj(fromWGS: berlin) == berlin && ChinaCoordinates.wgs(fromGCJ: berlin) == berlin)
        let shanghai = P(lat: 31.2304, lon: 121.4737)
        let shifted = ChinaCoordinates.gcj(fromWGS: shanghai)
        let metres = Geo.distance(lat1: shanghai.lat, lon1: shanghai.lon, lat2: shifted.lat, lon2: shifted.lon)
        #expect((300...700).contains(metres), "GCJ-02 moves Shanghai by \(metres) m")
    }

    /// A marker drawn on AMap tiles (GCJ-02) where the courier stands, and the arrival geofence Posy
    /// computes in WGS-84: what the map shows and what the fence decides agree within a few metres.
    @Test func aMarkerOnAMapTilesAndAWGSGeofenceAgree() {
        let door = P(lat: 31.2304, lon: 121.4737)
        let courier = P(lat: 31.2310, lon: 121.4745)  // WGS-84, from the phone's GPS
        let inWGS = Geo.distance(lat1: door.lat, lon1: door.lon, lat2: courier.lat, lon2: courier.lon)
        let (doorOnMap, courierOnMap) = (ChinaCoordinates.gcj(fromWGS: door), ChinaCoordinates.gcj(fromWGS: courier))
        let onMap = Geo.distance(lat1: doorOnMap.lat, lon1: doorOnMap.lon, lat2: courierOnMap.lat, lon2: courierOnMap.lon)
        #expect(abs(inWGS - onMap) < 3, "fence \(inWGS) m, map \(onMap) m")
        // Unshifted, the marker would stand hundreds of metres away from the door the fence means.
        let wrong = Geo.distance(lat1: door.lat, lon1: door.lon, lat2: doorOnMap.lat, lon2: doorOnMap.lon)
        #expect(wrong > 300)
        let read = ChinaCoordinates.wgs(fromGCJ: courierOnMap)
        #expect(Geo.distance(lat1: read.lat, lon1: read.lon, lat2: courier.lat, lon2: courier.lon) < 0.01)
    }
}
