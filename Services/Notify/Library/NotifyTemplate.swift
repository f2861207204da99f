import Foundation

/// A notification's text in each language: `title` and `body` with `{placeholders}` filled from
/// ``NotifyFacts`` (an unknown placeholder is an error when the rule set is loaded, not at send).
public struct NotifyTemplate: Codable, Sendable, Equatable {
    public var title: String
    public var body: String

    public init(title: String, body: String) {
        self.title = title
        self.body = body
    }

    /// The languages every template must have.
    public static let locales = ["en", "zh-CN"]

    /// `text` with each `{name}` replaced by `values[name]`; a missing value reads as `—`.
    public static func fill(_ text: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            out += values[name] ?? "—"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// The placeholder names `text` uses.
    public static func placeholders(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
