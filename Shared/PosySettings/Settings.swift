import Configuration
import Foundation

/// Where a process reads its settings: the flag when given, else the `POSY_*` variable read through
/// swift-configuration's environment provider, else the setting's default (docs/operations.md,
/// "Settings"). An empty variable counts as unset, except for a setting where empty means something.
public struct Settings: Sendable {
    private let reader: ConfigReader

    /// Over `environment` (the process's by default; tests give their own).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        reader = ConfigReader(
            provider: EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(["POSY_SECRET"])))
    }

    /// The process's own environment.
    public static let process = Settings()

    /// `flag` when given, else the variable, else the default — nil when the setting has none.
    /// Throws when the variable holds no value of the setting's type.
    public func optional<Value>(_ setting: Setting<Value>, flag: Value? = nil) throws(SettingError) -> Value? {
        if let flag { return flag }
        guard let text = reader.string(forKey: setting.key, isSecret: setting.isSecret) else { return setting.defaultValue }
        if text.isEmpty && !setting.emptyIsValue { return setting.defaultValue }
        guard let value = Value(settingText: text) else {
            throw SettingError(variable: setting.readVariable, text: setting.isSecret ? "…" : text, expected: Value.settingKind)
        }
        return value
    }

    /// The value of a setting declared with a default: `flag`, else the variable, else the default.
    public func value<Value>(_ setting: Setting<Value>, flag: Value? = nil) throws(SettingError) -> Value {
        guard let value = try optional(setting, flag: flag) ?? setting.defaultValue else {
            preconditionFailure("\(setting.variable) has no default: read it with optional(_:flag:)")
        }
        return value
    }

    /// Whether the flag or the variable says something (else the default holds).
    public func isGiven<Value>(_ setting: Setting<Value>, flag: Value? = nil) -> Bool {
        if flag != nil { return true }
        guard let text = reader.string(forKey: setting.key, isSecret: setting.isSecret) else { return false }
        return !text.isEmpty || setting.emptyIsValue
    }

    /// Whether an on/off setting is on: its flag given, or its variable on.
    public func isOn(_ setting: Setting<Bool>, flag: Bool = false) throws(SettingError) -> Bool {
        try optional(setting, flag: flag ? true : nil) ?? false
    }
}
