import ArgumentParser
import PosyCore
import PosyOrders
import PosySchema

/// `posy-orders`: shops, couriers, orders and their lifecycle over `orders.db`, served on RPC
/// (default tcp 7110), every change a durable `order.<state>` event.
@main
struct OrdersMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-orders", abstract: "Posy orders service (RPC tcp 7110 by default).")

    @Option(
        name: .customLong("messaging-shards"),
        help: "Messaging shards new conversations go to, e.g. 1,2 (env POSY_MESSAGING_SHARDS, default 1).")
    var messagingShards: String?

    @Option(name: .customLong("accept-timeout"), help: "Seconds an assigned courier has to accept (env POSY_ACCEPT_TIMEOUT, default 180).")
    var acceptTimeout: Double?

    @Option(
        name: .customLong("ack-timeout"),
        help: "Seconds before an unacknowledged exception escalates (env POSY_EXCEPTION_ACK_TIMEOUT, default 300).")
    var ackTimeout: Double?

    @OptionGroup var options: ServiceOptions

    var resolvedAcceptTimeout: Double { acceptTimeout ?? Environment.string("POSY_ACCEPT_TIMEOUT").flatMap(Double.init) ?? 180 }
    var resolvedAckTimeout: Double { ackTimeout ?? Environment.string("POSY_EXCEPTION_ACK_TIMEOUT").flatMap(Double.init) ?? 300 }

    var shards: [Int] {
        Environment.resolve(messagingShards, "POSY_MESSAGING_SHARDS", "1").split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        guard !shards.isEmpty, shards.allSatisfy({ (1...99).contains($0) }) else {
            throw ValidationError("--messaging-shards must list shard numbers 1…99, e.g. 1,2")
        }
        guard resolvedAcceptTimeout > 0, resolvedAckTimeout > 0 else {
            throw ValidationError("--accept-timeout and --ack-timeout must be positive")
        }
    }

    func run() async throws {
        let shards = self.shards
        let (accept, ack) = (resolvedAcceptTimeout, resolvedAckTimeout)
        try await ServiceMain.run(
            ServiceDescriptor(service: ServiceName.orders, defaultRPCPort: 7110, migrations: OrdersMigrations.all),
            config: options.config
        ) { host in
            guard let store = host.store, let events = host.events else { return [] }
            let service = OrdersService(store: store, events: events, shards: shards, acceptTimeout: accept, ackTimeout: ack)
            service.register(on: host.rpc)
            service.registerReceiptsHandlers(on: host)
            service.registerLocationHandlers(on: host)
            return [service.timerService()]
        }
    }
}
