/// A type a setting can have: read from the text of a variable, shown as text in the docs.
public protocol SettingValue: Sendable {
    /// The value `text` says; nil when it says none of this type.
    init?(settingText text: String)
    /// What the docs show.
    var settingText: String { get }
    /// What a value of this type looks like, for an error.
    static var settingKind: String { get }
}

extension String: SettingValue {
    public init?(settingText text: String) { self = text }
    public var settingText: String { self }
    public static var settingKind: String { "text" }
}

extension Int: SettingValue {
    public init?(settingText text: String) { self.init(text.trimmingCharacters(in: .whitespaces)) }
    public var settingText: String { String(self) }
    public static var settingKind: String { "a whole number" }
}

extension Int32: SettingValue {
    public init?(settingText text: String) { self.init(text.trimmingCharacters(in: .whitespaces)) }
    public var settingText: String { String(self) }
    public static var settingKind: String { "a whole number" }
}

extension Double: SettingValue {
    public init?(settingText text: String) {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite else { return nil }
        self = v
    }
    public var settingText: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
    public static var settingKind: String { "a number" }
}

extension Bool: SettingValue {
    /// `1`/`0`, `true`/`false`, `yes`/`no` (the variables have always said `1`).
    public init?(settingText text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "true", "yes", "on": self = true
        case "0", "false", "no", "off": self = false
        default: return nil
        }
    }
    public var settingText: String { self ? "on" : "off" }
    public static var settingKind: String { "1 or 0" }
}

extension Array: SettingValue where Element == String {
    /// A comma-separated list, blanks around items and empty items dropped.
    public init?(settingText text: String) {
        self = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    public var settingText: String { joined(separator: ",") }
    public static var settingKind: String { "a comma-separated list" }
}
