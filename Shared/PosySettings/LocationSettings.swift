/// `posy-location`.
public struct LocationSettings: SettingsCatalog {
    public static let takenBy = "posy-location"
    public init() {}

    public let pushInterval = Setting<Double>(
        "push-interval", "POSY_LOCATION_PUSH_INTERVAL", default: 2, "Seconds between live pushes of one courier")
    public let pushDistance = Setting<Double>(
        "push-distance", "POSY_LOCATION_PUSH_DISTANCE", default: 10, "Metres a courier must move before the next live push")
    public let retentionDays = Setting<Double>("retention-days", "POSY_LOCATION_RETENTION_DAYS", default: 30, "Days positions are kept")
    public let signalLostAfter = Setting<Double>(
        "signal-lost-after", "POSY_SIGNAL_LOST_AFTER", default: 180,
        "Seconds of silence from a courier out for delivery before delivery.signalLost")
    public let stuckAfter = Setting<Double>(
        "stuck-after", "POSY_STUCK_AFTER", default: 300, "Seconds near the door without a proof before delivery.stuck")
    public let riskMargin = Setting<Double>(
        "risk-margin", "POSY_RISK_MARGIN", default: 300, "Seconds before the window's end a predicted arrival counts as a delay risk")
    public let roadFactor = Setting<Double>(
        "road-factor", "POSY_ROAD_FACTOR", default: 1.3, "Road distance over great-circle distance, for ETAs")
    public let handOver = Setting<Double>("hand-over", "POSY_HAND_OVER", default: 180, "Seconds at the door added to every ETA")
    public let shopRadius = Setting<Double>("shop-radius", "POSY_SHOP_RADIUS", default: 100, "Metres of the shop's geofence")
    public let arrivalRadius = Setting<Double>(
        "arrival-radius", "POSY_ARRIVAL_RADIUS", default: 150, "Metres from the recipient that count as arriving")
}
