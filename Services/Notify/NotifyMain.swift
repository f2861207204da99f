import ArgumentParser
import PosyCore

/// `posy-notify`: its own store (`notify.db`), outbox, heartbeat, `health`, `stats` and `events.replay`.
@main
struct NotifyMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-notify", abstract: "Posy notify service (RPC tcp 7150 by default).")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        try await ServiceMain.run(
            ServiceDescriptor(service: "notify", defaultRPCPort: 7150, migrations: NotifyMigrations.all),
            config: options.config)
    }
}
