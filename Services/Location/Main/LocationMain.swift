import ArgumentParser
import PosyCore
import PosyLocation

/// `posy-location`: its own store (`location.db`), outbox, heartbeat, `health`, `stats` and `events.replay`.
@main
struct LocationMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-location", abstract: "Posy location service (RPC tcp 7130 by default).")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        try await ServiceMain.run(
            ServiceDescriptor(service: "location", defaultRPCPort: 7130, migrations: LocationMigrations.all),
            config: options.config)
    }
}
