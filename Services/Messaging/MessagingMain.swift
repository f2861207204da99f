import ArgumentParser
import PosyCore

/// `posy-messaging --shard N`: one messaging shard with its own store (`messaging-N.db`),
/// RPC on tcp 7120+N by default, events published as source `messaging-N`.
@main
struct MessagingMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-messaging", abstract: "Posy messaging shard (RPC tcp 7120+shard by default).")

    @Option(name: .customLong("shard"), help: "Shard number, 1…99 (env POSY_MESSAGING_SHARD, default 1).")
    var shard: Int?

    @OptionGroup var options: ServiceOptions

    var resolvedShard: Int { shard ?? Environment.string("POSY_MESSAGING_SHARD").flatMap(Int.init) ?? 1 }

    func validate() throws {
        guard (1...99).contains(resolvedShard) else { throw ValidationError("--shard must be between 1 and 99") }
    }

    func run() async throws {
        let shard = resolvedShard
        try await ServiceMain.run(
            ServiceDescriptor(service: "messaging", instance: "messaging-\(shard)", shard: shard,
                              defaultRPCPort: 7120 + shard, migrations: MessagingMigrations.all),
            config: options.config)
    }
}
