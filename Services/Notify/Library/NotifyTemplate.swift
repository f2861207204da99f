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

    /// `text` with each `{name}` replaced by `values[name]`; a missing value reads as `—`. Only
    /// `{letters, digits, _}` is a placeholder: other braces (JSON in an SMS body) stay as they are.
    public static func fill(_ text: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let (open, close, name) = next(in: rest) {
            out += rest[..<open]
            out += values[name] ?? "—"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// The next `{name}` in `text`: where it opens and closes, and the name.
    static func next(in text: Substring) -> (Substring.Index, Substring.Index, String)? {
        var from = text.startIndex
        while let open = text[from...].firstIndex(of: "{") {
            let after = text.index(after: open)
            if let close = text[after...].firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_") }), text[close] == "}",
                close > after
            {
                return (open, close, String(text[after..<close]))
            }
            from = after
        }
        return nil
    }

    /// The placeholder names `text` uses.
    public static func placeholders(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let (_, close, name) = next(in: rest) {
            names.append(name)
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
