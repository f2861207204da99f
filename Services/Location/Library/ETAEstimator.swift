import Foundation
import PosySchema

/// The courier's time to the recipient: remaining great-circle distance × a road factor,
/// ÷ the speed of the recent track (or the vehicle's default when there is too little track),
/// × the shop's correction, + a hand-over allowance.
public struct ETAEstimator: Sendable {
    public var roadFactor = 1.3
    /// Time at the door: parking, stairs, the hand-over.
    public var handOver: TimeInterval = 180
    /// How much recent track the moving average uses.
    public var averagingWindow: TimeInterval = 300
    /// Least track (time span) that gives a speed of its own.
    public var minimumSpan: TimeInterval = 60
    /// A stopped courier still gets a finite ETA: the speed never drops below this share of the vehicle's.
    public var floorShare = 0.1

    public init() {}

    /// Default speeds, km/h.
    public static func defaultSpeed(_ vehicle: Vehicle) -> Double {
        switch vehicle {
        case .foot: 5
        case .bike: 15
        case .ebike: 20
        case .car, .van: 25
        }
    }

    public struct Point: Sendable, Equatable {
        public var time: Date
        public var lat: Double
        public var lon: Double
        public init(time: Date, lat: Double, lon: Double) {
            self.time = time
            self.lat = lat
            self.lon = lon
        }
    }

    public struct Estimate: Sendable, Equatable {
        /// Metres still to go (road estimate).
        public var remaining: Double
        /// m/s used.
        public var speed: Double
        /// Whether the speed came from the track (else the vehicle's default).
        public var fromTrack: Bool
        /// Seconds to arrival, hand-over included.
        public var seconds: TimeInterval
    }

    /// `track`: the courier's recent points, oldest first. `correction`: the shop's ratio of actual to predicted.
    public func estimate(track: [Point], toLat lat: Double, lon: Double, vehicle: Vehicle, correction: Double = 1) -> Estimate? {
        guard let last = track.last else { return nil }
        let remaining = Geo.distance(lat1: last.lat, lon1: last.lon, lat2: lat, lon2: lon) * roadFactor
        let fallback = Self.defaultSpeed(vehicle) / 3.6
        var speed = fallback
        var fromTrack = false
        let recent = track.filter { last.time.timeIntervalSince($0.time) <= averagingWindow }
        if let first = recent.first, last.time.timeIntervalSince(first.time) >= minimumSpan, recent.count >= 3 {
            var path = 0.0
            for (a, b) in zip(recent, recent.dropFirst()) { path += Geo.distance(lat1: a.lat, lon1: a.lon, lat2: b.lat, lon2: b.lon) }
            speed = max(path / last.time.timeIntervalSince(first.time), fallback * floorShare)
            fromTrack = true
        }
        let factor = correction.isFinite && correction > 0 ? correction : 1
        return Estimate(remaining: remaining, speed: speed, fromTrack: fromTrack, seconds: remaining / speed * factor + handOver)
    }
}
