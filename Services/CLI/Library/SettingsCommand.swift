import ArgumentParser
import Foundation
import PosySettings

/// `posy settings`: every setting of the suite — flag, variable, default, what it does — as the table
/// docs/operations.md holds; `--check` judges this environment's `POSY_*` variables.
public struct SettingsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "List every setting (flag, POSY_* variable, default), or check this environment's.")

    @Flag(help: "Check the POSY_* variables set here: each a value of its type, none unknown (a typo is otherwise the default).")
    var check = false

    public init() {}

    public func run() throws {
        guard check else {
            print(SettingsTable.markdown, terminator: "")
            return
        }
        let problems = SettingsTable.problems(in: ProcessInfo.processInfo.environment)
        for p in problems { print(p) }
        if !problems.isEmpty { throw ExitCode(1) }
        print("every POSY_* variable set here is a setting with a value of its type")
    }
}
