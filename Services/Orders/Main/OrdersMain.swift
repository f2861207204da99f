import ArgumentParser
import PosyCore
import PosyOrders

/// `posy-orders`: shops, couriers, orders and their lifecycle over `orders.db`, served on RPC
/// (default tcp 7110), every change a durable `order.<state>` event.
@main
struct OrdersMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-orders", abstract: "Posy orders service (RPC tcp 7110 by default).")

    @Option(name: .customLong("messaging-shards"), help: "Messaging shards new conversations go to, e.g. 1,2 (env POSY_MESSAGING_SHARDS, default 1).")
    var messagingShards: String?

    @OptionGroup var options: ServiceOptions

    var shards: [Int] {
        Environment.resolve(messagingShards, "POSY_MESSAGING_SHARDS", "1").split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        guard !shards.isEmpty, shards.allSatisfy({ (1...99).contains($0) }) else {
            throw ValidationError("--messaging-shards must list shard numbers 1…99, e.g. 1,2")
        }
    }

    func run() async throws {
        let shards = self.shards
        try await ServiceMain.run(
            ServiceDescriptor(service: "orders", defaultRPCPort: 7110, migrations: OrdersMigrations.all),
            config: options.config
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            OrdersService(store: store, events: events, shards: shards).register(on: host.rpc)
            return []
        }
    }
}
