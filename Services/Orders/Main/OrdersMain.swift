import ArgumentParser
import PosyCore
import PosyOrders

/// `posy-orders`: its own store (`orders.db`), outbox, heartbeat, `health`, `stats` and `events.replay`.
@main
struct OrdersMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-orders", abstract: "Posy orders service (RPC tcp 7110 by default).")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        try await ServiceMain.run(
            ServiceDescriptor(service: "orders", defaultRPCPort: 7110, migrations: OrdersMigrations.all),
            config: options.config)
    }
}
