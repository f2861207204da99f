import ArgumentParser

/// `posy bench`: benchmarks.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (figures, not pass/fail).",
        subcommands: [
            BusBenchCommand.self, OrdersBenchCommand.self, MediaBenchCommand.self, ChatBenchCommand.self, LocationBenchCommand.self,
            NotifyBenchCommand.self, ConsoleBenchCommand.self, CourierBenchCommand.self, CustomerBenchCommand.self, CallBenchCommand.self,
            StreamsBenchCommand.self, PeakBenchCommand.self, BackupBenchCommand.self, HandoffBenchCommand.self,
        ])

    public init() {}
}
