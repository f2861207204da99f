import Foundation
import PosySchema
import Testing

@testable import PosyLocation

/// The location algorithms on synthetic data: the position filter rule by rule, the ETA on steady,
/// stop-and-go and missing tracks, and geofence crossings with jitter at the boundary.
@Suite struct LocationAlgorithmTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func at(_ seconds: Double) -> String { Timestamp.format(now.addingTimeInterval(seconds)) }
    /// A point `metres` north of (31.2, 121.4).
    static func fix(_ metres: Double, _ seconds: Double, accuracy: Double = 5) -> PositionFix {
        PositionFix(lat: 31.2 + metres / 111_195, lon: 121.4, accuracy: accuracy, at: at(seconds))
    }

    @Test func eachFilterRuleDropsItsPointsAndKeepsTheRest() {
        let f = PositionFilter()
        let batch = [
            Self.fix(0, -60),  // 0 kept
            PositionFix(lat: 91, lon: 0, accuracy: 5, at: Self.at(-50)),  // 1 latitude 91
            PositionFix(lat: .nan, lon: 0, accuracy: 5, at: Self.at(-49)),  // 2 NaN
            Self.fix(100, -40, accuracy: 250),  // 3 worse than 100 m
            PositionFix(lat: 31.2, lon: 121.4, accuracy: 5, at: "yesterday"),  // 4 unreadable time
            Self.fix(100, 365 * 86400),  // 5 a year ahead
            Self.fix(100, -2 * 86400),  // 6 two days old
            Self.fix(60_000, -30),  // 7 60 km in 30 s
            Self.fix(0, -60),  // 8 same time as 0
            Self.fix(150, -30),  // 9 kept: 5 m/s
            Self.fix(100, 10),  // 10 within the clock skew: kept
        ]
        let r = f.filter(batch, now: Self.now)
        #expect(r.kept.map(\.index) == [0, 9, 10])
        #expect(
            r.dropped == [
                1: .invalidCoordinates, 2: .invalidCoordinates, 3: .inaccurate, 4: .badTime, 5: .future,
                6: .tooOld, 7: .impossibleJump, 8: .duplicate,
            ])
    }

    @Test func lateOutOfOrderBatchesAreJudgedAgainstTheirNeighboursInTime() {
        let f = PositionFilter()
        // Stored: a steady ride north at 5 m/s; a late batch fills the gap, shuffled, with a repeat and a spike.
        let stored = [0.0, 60].map {
            PositionFilter.Anchor(time: Self.now.addingTimeInterval($0 - 120), lat: 31.2 + $0 * 5 / 111_195, lon: 121.4, accuracy: 5)
        }
        let batch = [Self.fix(200, -80), Self.fix(100, -100), Self.fix(300, -120 + 60), Self.fix(20_000, -90), Self.fix(100, -100)]
        let r = f.filter(batch, stored: stored, now: Self.now)
        #expect(r.kept.map(\.index) == [1, 0], "in time order, the spike and the repeats dropped: \(r.kept.map(\.index)) \(r.dropped)")
        #expect(r.dropped == [2: .duplicate, 3: .impossibleJump, 4: .duplicate])
    }

    static func track(_ speeds: [(seconds: Int, mps: Double)]) -> [ETAEstimator.Point] {
        var points: [ETAEstimator.Point] = []
        var t = 0.0
        var d = 0.0
        for (seconds, v) in speeds {
            for _ in 0..<(seconds / 10) {
                points.append(.init(time: Self.now.addingTimeInterval(t), lat: 31.2 + d / 111_195, lon: 121.4))
                t += 10
                d += v * 10
            }
        }
        return points
    }

    @Test func etaFromASteadyRideStopAndGoAndNoTrack() throws {
        let e = ETAEstimator()
        // Steady 5 m/s, 3 km to go as the crow flies.
        let steady = Self.track([(300, 5)])
        let last = try #require(steady.last)
        let dest = (lat: last.lat + 3_000 / 111_195, lon: 121.4)
        let s = try #require(e.estimate(track: steady, toLat: dest.lat, lon: dest.lon, vehicle: .ebike))
        #expect(s.fromTrack && abs(s.speed - 5) < 0.3, "\(s.speed)")
        #expect(abs(s.seconds - (3_000 * 1.3 / s.speed + 180)) < 1)
        // Stop-and-go: the last 5 minutes averaged 1 m/s — the ETA grows accordingly.
        let jam = Self.track([(300, 5), (100, 0), (100, 3), (100, 0)])
        let j = try #require(e.estimate(track: jam, toLat: dest.lat, lon: dest.lon, vehicle: .ebike))
        #expect(j.fromTrack && j.speed < 1.5 && j.seconds > s.seconds * 2, "\(j)")
        // Standing still: a finite ETA from the floor (10 % of the vehicle's 20 km/h), not infinity.
        let stuck = Self.track([(300, 0)])
        let k = try #require(e.estimate(track: stuck, toLat: dest.lat, lon: dest.lon, vehicle: .ebike))
        #expect(k.seconds.isFinite && abs(k.speed - 20 / 3.6 * 0.1) < 0.01)
        // One fix, no speed at all: the vehicle's default.
        let single = [ETAEstimator.Point(time: Self.now, lat: 31.2, lon: 121.4)]
        for (vehicle, kmh) in [(Vehicle.foot, 5.0), (.bike, 15), (.ebike, 20), (.car, 25), (.van, 25)] {
            let d = try #require(e.estimate(track: single, toLat: 31.2 + 1_000 / 111_195, lon: 121.4, vehicle: vehicle))
            #expect(!d.fromTrack && abs(d.speed - kmh / 3.6) < 1e-9)
        }
        // The shop's correction scales the travel time, not the hand-over.
        let corrected = try #require(e.estimate(track: steady, toLat: dest.lat, lon: dest.lon, vehicle: .ebike, correction: 1.5))
        #expect(abs((corrected.seconds - 180) - (s.seconds - 180) * 1.5) < 1)
        #expect(e.estimate(track: [], toLat: 0, lon: 0, vehicle: .bike) == nil)
    }

    @Test func geofenceEntryFiresOnceWithJitterAtTheBoundary() {
        var arriving = GeofenceCrossing(radius: 150, once: true, firstFixEnters: true)
        let approach: [Double] = [900, 600, 300, 160, 151, 149.5, 152, 148, 175, 149, 140, 190, 120, 60, 200, 140]
        let events = approach.compactMap { arriving.update(distance: $0) }
        #expect(events.filter { $0 == .entered }.count == 1, "\(events)")
        var shop = GeofenceCrossing(radius: 100)
        let departure: [Double] = [10, 40, 95, 101, 99, 125, 131, 129, 135, 400]
        let left = departure.compactMap { shop.update(distance: $0) }
        #expect(left == [.left], "leaving needs more than radius + margin once: \(left)")
        var nextDoor = GeofenceCrossing(radius: 150, once: true, firstFixEnters: true)
        #expect(nextDoor.update(distance: 80) == .entered && nextDoor.update(distance: 70) == nil)
    }
}
