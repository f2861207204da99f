import ArgumentParser
import Foundation
import PosyCore
import PosyMessaging
import PosySchema

/// `posy-messaging --shard N`: one messaging shard with its own store (`messaging-N.db`),
/// RPC on tcp 7120+N by default, events published as source `messaging-N`.
@main
struct MessagingMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-messaging", abstract: "Posy messaging shard (RPC tcp 7120+shard by default).")

    @Option(name: .customLong("shard"), help: "Shard number, 1…99 (env POSY_MESSAGING_SHARD, default 1).")
    var shard: Int?

    @Option(
        name: .customLong("read-only-after"),
        help: "Hours a conversation takes messages after its order ended (env POSY_CHAT_READ_ONLY_AFTER_HOURS, default 24).")
    var readOnlyAfter: Double?

    @Option(name: .customLong("recall-window"), help: "Seconds a sender may recall a message (env POSY_RECALL_WINDOW, default 120).")
    var recallWindow: Double?

    @OptionGroup var options: ServiceOptions

    var resolvedShard: Int { shard ?? Environment.string("POSY_MESSAGING_SHARD").flatMap(Int.init) ?? 1 }

    var config: MessagingConfig {
        var c = MessagingConfig()
        c.readOnlyAfter = (readOnlyAfter ?? Environment.string("POSY_CHAT_READ_ONLY_AFTER_HOURS").flatMap(Double.init) ?? 24) * 3600
        c.recallWindow = recallWindow ?? Environment.string("POSY_RECALL_WINDOW").flatMap(Double.init) ?? 120
        return c
    }

    func validate() throws {
        guard (1...99).contains(resolvedShard) else { throw ValidationError("--shard must be between 1 and 99") }
        guard config.readOnlyAfter >= 0, config.recallWindow >= 0 else {
            throw ValidationError("--read-only-after and --recall-window must not be negative")
        }
    }

    func run() async throws {
        let shard = resolvedShard
        let config = self.config
        let instance = MessagingRPC.instance(shard: shard)
        try await ServiceMain.run(
            ServiceDescriptor(
                service: ServiceName.messaging, instance: instance, shard: shard,
                defaultRPCPort: 7120 + shard, migrations: MessagingMigrations.all),
            config: options.config
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let service = MessagingService(
                store: store, instance: instance, epoch: events.epoch, config: config, metrics: host.metrics, logger: host.logger,
                peer: { target, method, body, timeout in
                    try await host.call(target, method, body: body, timeout: timeout, discovery: min(timeout, .seconds(2)))
                },
                publish: host.ephemeralPublisher(src: instance))
            service.register(on: host.rpc)
            service.registerEventHandlers(on: host)
            return []
        }
    }
}
