import ArgumentParser
import PosyCore

/// `posy-receipts`: its own store (`receipts.db`), outbox, heartbeat, `health`, `stats` and `events.replay`.
@main
struct ReceiptsMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-receipts", abstract: "Posy receipts service (RPC tcp 7140 by default).")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        try await ServiceMain.run(
            ServiceDescriptor(service: "receipts", defaultRPCPort: 7140, migrations: ReceiptsMigrations.all),
            config: options.config)
    }
}
