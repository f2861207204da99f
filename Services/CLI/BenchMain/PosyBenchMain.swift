import ArgumentParser
import PosyBench

/// `posy-bench` (also run as `posy bench`): the benchmarks.
@main
struct PosyBenchMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy bench", abstract: BenchCommand.configuration.abstract, subcommands: BenchCommand.configuration.subcommands)
}
