import ArgumentParser
import PosyCore
import PosyOrders
import PosySchema
import PosySettings

/// `posy-orders`: shops, couriers, orders and their lifecycle over `orders.db`, served on RPC
/// (default tcp 7110), every change a durable `order.<state>` event.
@main
struct OrdersMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-orders", abstract: "Posy orders service (RPC tcp 7110 by default).")

    @Option(name: settings.messagingShards.name, help: settings.messagingShards.help) var messagingShards: String?
    @Option(name: settings.acceptTimeout.name, help: settings.acceptTimeout.help) var acceptTimeout: Double?
    @Option(name: settings.ackTimeout.name, help: settings.ackTimeout.help) var ackTimeout: Double?
    @Option(name: settings.contactRetentionDays.name, help: settings.contactRetentionDays.help) var contactRetention: Double?
    @Option(name: settings.locationConsent.name, help: settings.locationConsent.help) var locationConsent: String?
    @Option(name: suite.maskedCallURL.name, help: suite.maskedCallURL.help) var maskedCallURL: String?

    @OptionGroup var options: ServiceOptions

    /// The shards, and how long an assignment and an exception wait: flags, else variables, else defaults.
    func resolved(
        _ from: Settings = .process
    ) throws -> (shards: [Int], accept: Double, ack: Double, contactDays: Double, consent: LocationConsentMode) {
        let list = try from.value(settings.messagingShards, flag: messagingShards.flatMap { [String](settingText: $0) })
        let shards = list.compactMap { Int($0) }
        guard !shards.isEmpty, shards.count == list.count, shards.allSatisfy({ (1...99).contains($0) }) else {
            throw ValidationError("--messaging-shards must list shard numbers 1…99, e.g. 1,2")
        }
        let (accept, ack) = (
            try from.value(settings.acceptTimeout, flag: acceptTimeout), try from.value(settings.ackTimeout, flag: ackTimeout)
        )
        guard accept > 0, ack > 0 else { throw ValidationError("--accept-timeout and --ack-timeout must be positive") }
        let contactDays = try from.value(settings.contactRetentionDays, flag: contactRetention)
        guard contactDays.isFinite, contactDays > 0 else { throw ValidationError("--contact-retention must be a positive number of days") }
        let consentText = try from.value(settings.locationConsent, flag: locationConsent)
        guard let consent = LocationConsentMode(rawValue: consentText) else {
            throw ValidationError("--location-consent must be app or external")
        }
        return (shards, accept, ack, contactDays, consent)
    }

    func validate() throws { _ = try resolved() }

    func run() async throws {
        let (shards, accept, ack, contactDays, consent) = try resolved()
        try await ServiceMain.run(
            ServiceDescriptor(service: ServiceName.orders, defaultRPCPort: 7110, migrations: OrdersMigrations.all),
            config: try options.config()
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let service = OrdersService(
                store: store, events: events, shards: shards, acceptTimeout: accept, ackTimeout: ack,
                contactRetention: contactDays * 86_400, consentMode: consent,
                maskedCalls: (try Settings.process.optional(suite.maskedCallURL, flag: maskedCallURL)).map { !$0.isEmpty } ?? false)
            service.register(on: host.rpc)
            service.registerExport(on: host)
            service.registerReceiptsHandlers(on: host)
            service.registerLocationHandlers(on: host)
            return [service.timerService(), service.registerPrivacy(on: host), service.retentionService(logger: host.logger)]
        }
    }
}

private let settings = OrdersSettings()
private let suite = SuiteSettings()
