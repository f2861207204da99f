import ArgumentParser
import Foundation

/// `posy bench …`: runs `posy-bench …`, the benchmarks' own executable next to this one, with the
/// same arguments (it replaces this process). The benchmarks live in their own target so that the
/// operator's `posy` does not carry their clients and histograms (docs/operations.md, "Benchmarks").
public struct BenchForwardCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (figures, not pass/fail): runs posy-bench.")

    @Argument(parsing: .captureForPassthrough, help: "What to benchmark and its options (posy bench --help lists them).")
    var arguments: [String] = []

    public init() {}

    public func run() throws {
        let path = (UpCommand.ownDirectory() as NSString).appendingPathComponent("posy-bench")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("posy-bench is not next to posy (\(path)); build it with `swift build -c release` or `make bench`")
        }
        let argv = [path] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        execv(path, &cArgs)
        throw ValidationError("could not run \(path): errno \(errno)")
    }
}
