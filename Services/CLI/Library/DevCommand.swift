import ArgumentParser

/// `posy dev …`: load tools for tests and benchmarks (hidden from help).
public struct DevCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Load generator and sink for fault tests.", shouldDisplay: false,
        subcommands: [EmitCommand.self, SinkCommand.self, TetherCommand.self])

    public init() {}
}
