import Foundation

/// Settings of `posy-location` (its flags; defaults are the numbers).
public struct LocationConfig: Sendable {
    /// Live pushes: at most one per courier every this many seconds…
    public var pushInterval: TimeInterval = 2
    /// …and only after a move of more than this many metres.
    public var pushDistance: Double = 10
    /// How long positions are kept.
    public var retention: TimeInterval = 30 * 86_400
    /// Leaving this circle around the shop with the order picked up is departing.
    public var shopRadius: Double = 100
    /// Entering this circle around the recipient is arriving.
    public var arrivalRadius: Double = 150
    /// Within this circle of the recipient for `stuckAfter` without a proof: maybe stuck at a gate.
    public var stuckRadius: Double = 100
    public var stuckAfter: TimeInterval = 300
    /// Nothing from a courier out for delivery for this long: `delivery.signalLost`.
    public var signalLostAfter: TimeInterval = 180
    /// A predicted arrival later than the window's end minus this is a delay risk.
    public var riskMargin: TimeInterval = 300
    /// A delay risk is raised again only when the prediction worsened by this much.
    public var riskWorsening: TimeInterval = 600
    /// The ETA's road factor and hand-over allowance.
    public var roadFactor = 1.3
    public var handOver: TimeInterval = 180
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
