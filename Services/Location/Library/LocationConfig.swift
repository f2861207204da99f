import Foundation
import PosySettings

/// Settings of `posy-location` (its flags, declared with their defaults in ``LocationSettings``).
public struct LocationConfig: Sendable {
    /// The flags' declarations, whose defaults these are.
    static let defaults = LocationSettings()
    /// Live pushes: at most one per courier every this many seconds…
    public var pushInterval: TimeInterval = defaults.pushInterval.standard
    /// …and only after a move of more than this many metres…
    public var pushDistance: Double = defaults.pushDistance.standard
    /// …or, standing still, again after this long: the pages tell a courier stuck at the lights
    /// from a phone that went silent by the age of the last push (docs/architecture.md, "Location").
    public var stillInterval: TimeInterval = 15
    /// How long positions are kept.
    public var retention: TimeInterval = defaults.retentionDays.standard * 86_400
    /// Leaving this circle around the shop with the order picked up is departing.
    public var shopRadius: Double = defaults.shopRadius.standard
    /// Entering this circle around the recipient is arriving.
    public var arrivalRadius: Double = defaults.arrivalRadius.standard
    /// Within this circle of the recipient for `stuckAfter` without a proof: maybe stuck at a gate.
    public var stuckRadius: Double = 100
    public var stuckAfter: TimeInterval = defaults.stuckAfter.standard
    /// Nothing from a courier out for delivery for this long: `delivery.signalLost`.
    public var signalLostAfter: TimeInterval = defaults.signalLostAfter.standard
    /// A predicted arrival later than the window's end minus this is a delay risk.
    public var riskMargin: TimeInterval = defaults.riskMargin.standard
    /// A delay risk is raised again only when the prediction worsened by this much.
    public var riskWorsening: TimeInterval = 600
    /// The ETA's road factor and hand-over allowance.
    public var roadFactor = defaults.roadFactor.standard
    public var handOver: TimeInterval = defaults.handOver.standard
    /// Filter limits.
    public var maxAccuracy: Double = 100
    public var maxFutureSkew: TimeInterval = 30
    public var maxAge: TimeInterval = 24 * 3600
    /// How often deadlines (signal, stuck, delay by time) and retention are checked, real time.
    public var sweepInterval: Duration = .seconds(1)

    public init() {}

    var filter: PositionFilter {
        var f = PositionFilter()
        f.maxAccuracy = maxAccuracy
        f.maxFutureSkew = maxFutureSkew
        f.maxAge = maxAge
        return f
    }

    var estimator: ETAEstimator {
        var e = ETAEstimator()
        e.roadFactor = roadFactor
        e.handOver = handOver
        return e
    }
}
