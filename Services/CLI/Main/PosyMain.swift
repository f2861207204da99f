import ArgumentParser
import PosyCLI

/// `posy`: the operator CLI.
@main
struct PosyMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy",
        abstract: "Posy operator CLI: run the suite, check it, watch the bus, mint tokens, benchmark.",
        subcommands: [
            UpCommand.self, StatusCommand.self, PingCommand.self, TailCommand.self, TokenCommand.self, KeysCommand.self,
            EvidenceCommand.self, InviteCommand.self, SettingsCommand.self, BackupCommand.self, RestoreCommand.self,
            PrivacyCommand.self, BenchForwardCommand.self, DevCommand.self,
        ])
}
