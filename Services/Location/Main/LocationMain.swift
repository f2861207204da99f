import ArgumentParser
import Foundation
import PosyCore
import PosyLocation
import PosySchema

/// `posy-location`: couriers' positions, tracks, ETAs, geofences and delay prediction over
/// `location.db`, RPC tcp 7130 by default.
@main
struct LocationMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-location", abstract: "Posy location service (RPC tcp 7130 by default).")

    @Option(
        name: .customLong("push-interval"), help: "Seconds between live pushes of one courier (env POSY_LOCATION_PUSH_INTERVAL, default 2)."
    )
    var pushInterval: Double?
    @Option(
        name: .customLong("push-distance"),
        help: "Metres a courier must move before the next live push (env POSY_LOCATION_PUSH_DISTANCE, default 10).")
    var pushDistance: Double?
    @Option(name: .customLong("retention-days"), help: "Days positions are kept (env POSY_LOCATION_RETENTION_DAYS, default 30).")
    var retentionDays: Double?
    @Option(
        name: .customLong("signal-lost-after"),
        help: "Seconds of silence from a courier out for delivery before delivery.signalLost (env POSY_SIGNAL_LOST_AFTER, default 180).")
    var signalLostAfter: Double?
    @Option(
        name: .customLong("stuck-after"),
        help: "Seconds near the door without a proof before delivery.stuck (env POSY_STUCK_AFTER, default 300).")
    var stuckAfter: Double?
    @Option(
        name: .customLong("risk-margin"),
        help: "Seconds before the window's end a predicted arrival counts as a delay risk (env POSY_RISK_MARGIN, default 300).")
    var riskMargin: Double?
    @Option(
        name: .customLong("road-factor"), help: "Road distance over great-circle distance for ETAs (env POSY_ROAD_FACTOR, default 1.3).")
    var roadFactor: Double?
    @Option(name: .customLong("hand-over"), help: "Seconds at the door added to every ETA (env POSY_HAND_OVER, default 180).")
    var handOver: Double?
    @Option(name: .customLong("shop-radius"), help: "Metres of the shop's geofence (env POSY_SHOP_RADIUS, default 100).")
    var shopRadius: Double?
    @Option(
        name: .customLong("arrival-radius"),
        help: "Metres from the recipient that count as arriving (env POSY_ARRIVAL_RADIUS, default 150).")
    var arrivalRadius: Double?
    @Option(
        name: .customLong("test-clock"),
        help: "Tests only: run on a clock that starts at this RFC 3339 time and moves only by the clock.advance RPC (env POSY_TEST_CLOCK).")
    var testClock: String?

    @OptionGroup var options: ServiceOptions

    func value(_ flag: Double?, _ env: String) -> Double? { flag ?? Environment.string(env).flatMap(Double.init) }

    var config: LocationConfig {
        var c = LocationConfig()
        c.pushInterval = value(pushInterval, "POSY_LOCATION_PUSH_INTERVAL") ?? c.pushInterval
        c.pushDistance = value(pushDistance, "POSY_LOCATION_PUSH_DISTANCE") ?? c.pushDistance
        c.retention = value(retentionDays, "POSY_LOCATION_RETENTION_DAYS").map { $0 * 86_400 } ?? c.retention
        c.signalLostAfter = value(signalLostAfter, "POSY_SIGNAL_LOST_AFTER") ?? c.signalLostAfter
        c.stuckAfter = value(stuckAfter, "POSY_STUCK_AFTER") ?? c.stuckAfter
        c.riskMargin = value(riskMargin, "POSY_RISK_MARGIN") ?? c.riskMargin
        c.roadFactor = value(roadFactor, "POSY_ROAD_FACTOR") ?? c.roadFactor
        c.handOver = value(handOver, "POSY_HAND_OVER") ?? c.handOver
        c.shopRadius = value(shopRadius, "POSY_SHOP_RADIUS") ?? c.shopRadius
        c.arrivalRadius = value(arrivalRadius, "POSY_ARRIVAL_RADIUS") ?? c.arrivalRadius
        return c
    }

    var testStart: String? { testClock ?? Environment.string("POSY_TEST_CLOCK") }

    func validate() throws {
        let c = config
        for (name, v) in [
            ("push-interval", c.pushInterval), ("push-distance", c.pushDistance), ("retention-days", c.retention),
            ("signal-lost-after", c.signalLostAfter), ("stuck-after", c.stuckAfter), ("risk-margin", c.riskMargin),
            ("hand-over", c.handOver),
        ] where !(v.isFinite && v >= 0) {
            throw ValidationError("--\(name) must be a number, 0 or more")
        }
        for (name, v) in [("road-factor", c.roadFactor), ("shop-radius", c.shopRadius), ("arrival-radius", c.arrivalRadius)]
        where !(v.isFinite && v > 0) {
            throw ValidationError("--\(name) must be a positive number")
        }
        if let t = testStart, Timestamp.parse(t) == nil {
            throw ValidationError("--test-clock must be an RFC 3339 time, e.g. 2026-11-25T09:00:00Z")
        }
    }

    func run() async throws {
        let config = self.config
        let testStart = self.testStart.flatMap(Timestamp.parse)
        try await ServiceMain.run(
            ServiceDescriptor(service: ServiceName.location, defaultRPCPort: 7130, migrations: LocationMigrations.all),
            config: options.config
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let clock = try await host.serviceClock(testStart: testStart)
            let service = LocationService(
                store: store, events: events, config: config, metrics: host.metrics, logger: host.logger, clock: { clock.now() },
                publish: host.ephemeralPublisher(src: ServiceName.location))
            service.register(on: host.rpc)
            service.registerEventHandlers(on: host)
            return [service.sweepService()]
        }
    }
}
