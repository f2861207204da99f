/// Every catalogue of the suite, and the table of docs/operations.md ("Settings") made from them.
public enum SettingsTable {
    /// Every catalogue, in the order the table lists them.
    public static let catalogues: [any SettingsCatalog.Type] = [
        ServiceSettings.self, SuiteSettings.self, BusSettings.self, OrdersSettings.self, MessagingSettings.self, LocationSettings.self,
        ReceiptsSettings.self, NotifySettings.self, GatewaySettings.self,
    ]

    /// Every setting with who takes it.
    public static var rows: [(takenBy: String, setting: any AnySetting)] {
        catalogues.flatMap { type in type.init().all.map { (type.takenBy, $0) } }
    }

    /// The Markdown table: who takes it, the flag, the variable, the default, what it does.
    public static var markdown: String {
        var lines = ["| taken by | flag | variable | default | what it does |", "|---|---|---|---|---|"]
        for (takenBy, s) in rows {
            let flag = s.flag.map { "`--\($0)`" } ?? "—"
            let shown = s.defaultIsLiteral ? "`\(s.defaultText)`" : cell(s.defaultText)
            lines.append("| \(takenBy) | \(flag) | `\(s.variable)` | \(shown) | \(cell(s.summary)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What is wrong with the `POSY_*` variables of `environment`: values that are not of their
    /// setting's type, and variables no setting declares (a typo is otherwise silently the default).
    public static func problems(in environment: [String: String]) -> [String] {
        let settings = Settings(environment: environment)
        let declared = rows.map(\.setting)
        var found = declared.compactMap { $0.problem(in: settings) }
        let names = Set(declared.map(\.variable))
        let perService = declared.map(\.variable).filter { $0.contains("<SERVICE>") }.map { $0.components(separatedBy: "<SERVICE>") }
        for name in environment.keys.sorted() where name.hasPrefix("POSY_") && !names.contains(name) {
            let isPerService = perService.contains { parts in
                parts.count == 2 && name.hasPrefix(parts[0]) && name.hasSuffix(parts[1]) && name.count > parts[0].count + parts[1].count
            }
            if !isPerService { found.append("\(name) is not a Posy setting (see posy settings)") }
        }
        return found
    }

    /// Text safe in a table cell: no column breaks, no markup (`<data-dir>` is text, not a tag).
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "<", with: "&lt;")
    }
}
