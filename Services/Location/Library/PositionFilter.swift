import Foundation
import PosySchema

/// Filters a courier's batch of positions the way a GPS tracker does: bad coordinates,
/// poor accuracy, unreadable / future / too old device times, duplicates and impossible jumps are
/// dropped with a reason; the good points of a batch are kept whatever is wrong with the others.
/// Batches arrive late and out of order, so points are judged in device-time order against their
/// neighbours among the kept ones (this batch's and those already stored).
public struct PositionFilter: Sendable {
    /// How far a device clock may run ahead of ours.
    public var maxFutureSkew: TimeInterval = 30
    /// Oldest device time taken (a phone that was offline for longer sends history nobody follows live).
    public var maxAge: TimeInterval = 24 * 3600
    /// Worst accuracy kept, metres.
    public var maxAccuracy: Double = 100
    /// Fastest believable movement between two fixes, m/s (200 km/h).
    public var maxSpeed: Double = 200 / 3.6

    public init() {}

    /// A point kept, with its parsed device time and its index in the batch.
    public struct Kept: Sendable, Equatable {
        public var index: Int
        public var fix: PositionFix
        public var time: Date
    }

    /// A point already stored (neighbour for duplicate and jump checks).
    public struct Anchor: Sendable, Equatable {
        public var time: Date
        public var lat: Double
        public var lon: Double
        public var accuracy: Double
        public init(time: Date, lat: Double, lon: Double, accuracy: Double) {
            self.time = time
            self.lat = lat
            self.lon = lon
            self.accuracy = accuracy
        }
    }

    public struct Result: Sendable {
        /// Kept points in device-time order.
        public var kept: [Kept]
        /// Dropped points by batch index.
        public var dropped: [Int: DropReason]
    }

    public func filter(_ batch: [PositionFix], stored: [Anchor] = [], now: Date, notBefore: Date? = nil) -> Result {
        judge(screen(batch, now: now, notBefore: notBefore), stored: stored)
    }

    /// The first pass, point by point: what is wrong with a point on its own. `candidates` are in
    /// device-time order, so their span is known before any stored neighbour is read.
    public struct Screened: Sendable {
        public var candidates: [Kept]
        public var dropped: [Int: DropReason]
    }

    /// `notBefore`: the earliest assignment of the courier's deliveries under way (fixes older than
    /// it, beyond the clock skew allowed, are `beforeAssignment`).
    public func screen(_ batch: [PositionFix], now: Date, notBefore: Date? = nil) -> Screened {
        var dropped: [Int: DropReason] = [:]
        var candidates: [Kept] = []
        for (i, f) in batch.enumerated() {
            guard Geo.isValid(lat: f.lat, lon: f.lon) else {
                dropped[i] = .invalidCoordinates
                continue
            }
            guard f.accuracy.isFinite, f.accuracy >= 0, f.accuracy <= maxAccuracy else {
                dropped[i] = .inaccurate
                continue
            }
            guard let t = Timestamp.parse(f.at) else {
                dropped[i] = .badTime
                continue
            }
            guard t.timeIntervalSince(now) <= maxFutureSkew else {
                dropped[i] = .future
                continue
            }
            guard now.timeIntervalSince(t) <= maxAge else {
                dropped[i] = .tooOld
                continue
            }
            if let notBefore, notBefore.timeIntervalSince(t) > maxFutureSkew {  // the same skew a phone's clock is allowed
                dropped[i] = .beforeAssignment
                continue
            }
            candidates.append(Kept(index: i, fix: f, time: t))
        }
        candidates.sort { ($0.time, $0.index) < ($1.time, $1.index) }
        return Screened(candidates: candidates, dropped: dropped)
    }

    /// The second pass: duplicates and impossible jumps against the neighbours in time among the
    /// kept points and `stored`.
    public func judge(_ screened: Screened, stored: [Anchor]) -> Result {
        var dropped = screened.dropped
        var anchors = stored.sorted { $0.time < $1.time }
        var kept: [Kept] = []
        for c in screened.candidates {
            // Neighbours in time among everything kept so far.
            let after = anchors.firstIndex { $0.time >= c.time } ?? anchors.count
            if after < anchors.count, anchors[after].time == c.time {
                dropped[c.index] = .duplicate
                continue
            }
            let before = after > 0 ? anchors[after - 1] : nil
            let next = after < anchors.count ? anchors[after] : nil
            // Judge against the point before; the very first point of a track against the one after.
            if let n = before ?? next, isJump(c, from: n) {
                dropped[c.index] = .impossibleJump
                continue
            }
            anchors.insert(Anchor(time: c.time, lat: c.fix.lat, lon: c.fix.lon, accuracy: c.fix.accuracy), at: after)
            kept.append(c)
        }
        return Result(kept: kept, dropped: dropped)
    }

    /// Faster than `maxSpeed`, after giving both fixes their accuracy.
    func isJump(_ c: Kept, from a: Anchor) -> Bool {
        let metres = Geo.distance(lat1: a.lat, lon1: a.lon, lat2: c.fix.lat, lon2: c.fix.lon) - a.accuracy - c.fix.accuracy
        let seconds = max(1, abs(c.time.timeIntervalSince(a.time)))
        return metres / seconds > maxSpeed
    }
}
