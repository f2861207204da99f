/// A variable whose text is not a value of its setting's type: refused at start, naming the
/// variable, never taken as the default.
public struct SettingError: Error, CustomStringConvertible, Equatable {
    /// The stable code: `invalid_setting`.
    public static let code = "invalid_setting"
    public let variable: String
    public let text: String
    public let expected: String

    public init(variable: String, text: String, expected: String) {
        self.variable = variable
        self.text = text
        self.expected = expected
    }

    public var description: String { "\(variable)=\"\(text.prefix(80))\" is not \(expected)" }
}
