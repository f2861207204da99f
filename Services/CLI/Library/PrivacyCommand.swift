import ArgumentParser
import Foundation
import PosyCore
import PosySchema
import PosySettings

/// `posy privacy retention`: the retention table as this deployment's settings make it — what
/// each kind of personal data is kept for, from when, what is left and who enforces it
/// (docs/operations.md, "Retention"). The services read the same variables.
public struct PrivacyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "privacy", abstract: "Personal data: how long each kind is kept.", subcommands: [Retention.self])

    public init() {}

    public struct Retention: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "retention", abstract: "Print the retention table with this deployment's settings.")

        @Flag(name: .customLong("json"), help: "Print the table as JSON.") var json = false

        public init() {}

        public func run() async throws {
            let rules = try RetentionTable.rules(Settings.process)
            if json {
                print(String(decoding: try JSON.encode(rules), as: UTF8.self))
                return
            }
            func days(_ d: Double) -> String { d == 0 ? "for ever" : d == d.rounded() ? "\(Int(d)) d" : String(format: "%.1f d", d) }
            var rows = [["KIND", "KEPT", "AFTER", "THEN", "ENFORCED BY", "SETTING", "PER SHOP"]]
            for r in rules {
                let shop = r.shopMinDays.map { "\(Int($0))–\(Int(r.shopMaxDays ?? $0)) d" } ?? "-"
                rows.append([r.kind.rawValue, days(r.days), r.after, r.then, r.enforcedBy, r.setting, shop])
            }
            print(TextTable.render(rows))
            print("\nPositions are never recorded while a courier is off duty. Erasure on request: docs/protocol.md, \"Privacy\".")
        }
    }
}
