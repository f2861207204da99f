import Foundation
import Logging
import PosyCore
import PosySchema
import PosyStore

/// posy-location over `location.db`: couriers' positions filtered and stored per courier,
/// the deliveries it follows (from posy-orders' durable events), their geofences, ETAs and alerts as
/// durable `delivery.*` events, and live positions pushed to the customer and the shop's staff as
/// ephemeral bus events after the batch committed.
public final class LocationService: Sendable {
    /// Publishes an ephemeral bus event: `(topic, type, data)`.
    public typealias Publish = @Sendable (String, String, Data) -> Void

    let store: Store
    let events: EventLog
    let config: LocationConfig
    let metrics: Metrics
    let logger: Logger
    let clock: @Sendable () -> Date
    let publish: Publish
    /// Each courier's recent kept fixes (for the moving average), newest last; only couriers with
    /// deliveries under way. Filled from the store on first use, updated after each commit.
    let tracks = Locked<[String: [ETAEstimator.Point]]>([:])
    /// When and where each courier's position was last pushed (the live throttle).
    let pushed = Locked<[String: PushMark]>([:])

    struct PushMark: Sendable {
        var at: Date
        var lat: Double
        var lon: Double
        /// Orders whose customers got this courier's position since it was last pushed for a move.
        var shared: Set<String> = []
    }

    public init(
        store: Store, events: EventLog, config: LocationConfig = LocationConfig(), metrics: Metrics, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, publish: @escaping Publish = { _, _, _ in }
    ) {
        self.store = store
        self.events = events
        self.config = config
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.publish = publish
    }

    /// A time from another service's event, never later than this service's clock (a test clock may
    /// stand behind the real one; an event applied late after an outage keeps its own time).
    func eventTime(_ text: String) -> Double {
        let now = clock().timeIntervalSince1970
        guard let t = Timestamp.parse(text)?.timeIntervalSince1970 else { return now }
        return min(t, now)
    }

    /// The shop's ratio of actual to predicted delivery times, once it has enough deliveries.
    static func correction(_ db: SQLiteConnection, shop: String) throws -> Double {
        guard let r = try db.queryOne("SELECT ratio, samples FROM shop_corrections WHERE shop_id = ?", shop),
            let ratio = r.double(0), (r.int(1) ?? 0) >= minimumCorrectionSamples
        else { return 1 }
        return min(max(ratio, 0.5), 2)
    }

    static let minimumCorrectionSamples: Int64 = 3
}
