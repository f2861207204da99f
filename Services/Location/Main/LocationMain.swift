import ArgumentParser
import Foundation
import PosyCore
import PosyLocation
import PosySchema
import PosySettings

/// `posy-location`: couriers' positions, tracks, ETAs, geofences and delay prediction over
/// `location.db`, RPC tcp 7130 by default.
@main
struct LocationMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-location", abstract: "Posy location service (RPC tcp 7130 by default).")

    @Option(name: settings.pushInterval.name, help: settings.pushInterval.help) var pushInterval: Double?
    @Option(name: settings.pushDistance.name, help: settings.pushDistance.help) var pushDistance: Double?
    @Option(name: settings.retentionDays.name, help: settings.retentionDays.help) var retentionDays: Double?
    @Option(name: settings.signalLostAfter.name, help: settings.signalLostAfter.help) var signalLostAfter: Double?
    @Option(name: settings.stuckAfter.name, help: settings.stuckAfter.help) var stuckAfter: Double?
    @Option(name: settings.riskMargin.name, help: settings.riskMargin.help) var riskMargin: Double?
    @Option(name: settings.roadFactor.name, help: settings.roadFactor.help) var roadFactor: Double?
    @Option(name: settings.handOver.name, help: settings.handOver.help) var handOver: Double?
    @Option(name: settings.shopRadius.name, help: settings.shopRadius.help) var shopRadius: Double?
    @Option(name: settings.arrivalRadius.name, help: settings.arrivalRadius.help) var arrivalRadius: Double?
    @Option(name: suite.testClock.name, help: suite.testClock.help) var testClock: String?

    @OptionGroup var options: ServiceOptions

    /// The service's settings and its test clock's start: flags, else variables, else defaults.
    func resolved(_ from: Settings = .process) throws -> (config: LocationConfig, testStart: Date?) {
        var c = LocationConfig()
        c.pushInterval = try from.value(settings.pushInterval, flag: pushInterval)
        c.pushDistance = try from.value(settings.pushDistance, flag: pushDistance)
        c.retention = try from.value(settings.retentionDays, flag: retentionDays) * 86_400
        c.signalLostAfter = try from.value(settings.signalLostAfter, flag: signalLostAfter)
        c.stuckAfter = try from.value(settings.stuckAfter, flag: stuckAfter)
        c.riskMargin = try from.value(settings.riskMargin, flag: riskMargin)
        c.roadFactor = try from.value(settings.roadFactor, flag: roadFactor)
        c.handOver = try from.value(settings.handOver, flag: handOver)
        c.shopRadius = try from.value(settings.shopRadius, flag: shopRadius)
        c.arrivalRadius = try from.value(settings.arrivalRadius, flag: arrivalRadius)
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
        var testStart: Date?
        if let t = try from.optional(suite.testClock, flag: testClock) {
            guard let start = Timestamp.parse(t) else {
                throw ValidationError("--test-clock must be an RFC 3339 time, e.g. 2026-11-25T09:00:00Z")
            }
            testStart = start
        }
        return (c, testStart)
    }

    func validate() throws { _ = try resolved() }

    func run() async throws {
        let (config, testStart) = try resolved()
        var descriptor = ServiceDescriptor(service: ServiceName.location, defaultRPCPort: 7130, migrations: LocationMigrations.all)
        // Its handlers await the store and little else (docs/architecture.md, "Threads").
        descriptor.rpcOnSocketThread = true
        try await ServiceMain.run(
            descriptor,
            config: try options.config()
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let clock = try await host.serviceClock(testStart: testStart)
            let service = LocationService(
                store: store, events: events, config: config, metrics: host.metrics, logger: host.logger, clock: { clock.now() },
                publish: host.ephemeralPublisher(src: ServiceName.location))
            service.register(on: host.rpc)
            service.registerEventHandlers(on: host)
            return [service.sweepService(), service.registerPrivacy(on: host)]
        }
    }
}

private let settings = LocationSettings()
private let suite = SuiteSettings()
