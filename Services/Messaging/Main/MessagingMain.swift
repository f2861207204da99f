import ArgumentParser
import Foundation
import PosyCore
import PosyMessaging
import PosySchema
import PosySettings
import ServiceLifecycle

/// `posy-messaging --shard N`: one messaging shard with its own store (`messaging-N.db`),
/// RPC on tcp 7120+N by default, events published as source `messaging-N`.
@main
struct MessagingMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-messaging", abstract: "Posy messaging shard (RPC tcp 7120+shard by default).")

    @Option(name: settings.shard.name, help: settings.shard.help) var shard: Int?
    @Option(name: settings.readOnlyAfterHours.name, help: settings.readOnlyAfterHours.help) var readOnlyAfter: Double?
    @Option(name: settings.recallWindow.name, help: settings.recallWindow.help) var recallWindow: Double?
    @Option(name: settings.unheardAfter.name, help: settings.unheardAfter.help) var unheardAfter: Double?
    @Option(name: settings.chatRetentionDays.name, help: settings.chatRetentionDays.help) var chatRetention: Double?

    @OptionGroup var options: ServiceOptions

    /// The shard and the service's settings: flags, else variables, else defaults.
    func resolved(_ from: Settings = .process) throws -> (shard: Int, config: MessagingConfig) {
        let shard = try from.value(settings.shard, flag: self.shard)
        guard (1...99).contains(shard) else { throw ValidationError("--shard must be between 1 and 99") }
        var c = MessagingConfig()
        c.readOnlyAfter = try from.value(settings.readOnlyAfterHours, flag: readOnlyAfter) * 3600
        c.recallWindow = try from.value(settings.recallWindow, flag: recallWindow)
        c.unheardAfter = try from.value(settings.unheardAfter, flag: unheardAfter)
        guard c.readOnlyAfter >= 0, c.recallWindow >= 0, c.unheardAfter >= 0, c.unheardAfter.isFinite else {
            throw ValidationError("--read-only-after, --recall-window and --unheard-after must not be negative")
        }
        let chatDays = try from.value(settings.chatRetentionDays, flag: chatRetention)
        guard chatDays.isFinite, chatDays > 0 else { throw ValidationError("--chat-retention must be a positive number of days") }
        c.chatRetention = chatDays * 86_400
        return (shard, c)
    }

    func validate() throws { _ = try resolved() }

    func run() async throws {
        let (shard, config) = try resolved()
        let instance = MessagingRPC.instance(shard: shard)
        var descriptor = ServiceDescriptor(
            service: ServiceName.messaging, instance: instance, shard: shard,
            defaultRPCPort: 7120 + shard, migrations: MessagingMigrations.all)
        // Its handlers await the store and little else (docs/architecture.md, "Threads").
        descriptor.rpcOnSocketThread = true
        try await ServiceMain.run(
            descriptor,
            config: try options.config()
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let service = MessagingService(
                store: store, instance: instance, epoch: events.epoch, config: config, metrics: host.metrics, logger: host.logger,
                events: events,
                peer: { target, method, body, timeout in
                    try await host.call(target, method, body: body, timeout: timeout, discovery: min(timeout, .seconds(2)))
                },
                publish: host.ephemeralPublisher(src: instance))
            service.register(on: host.rpc)
            service.registerEventHandlers(on: host)
            var extra: [any Service] = [service.registerPrivacy(on: host), service.chatRetentionService()]
            if config.unheardAfter > 0 { extra.append(service.unheardService()) }
            return extra
        }
    }
}

private let settings = MessagingSettings()
