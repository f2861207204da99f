import ArgumentParser
import Configuration

/// One setting of a Posy executable, declared once (docs/operations.md, "Settings"): its flag, its
/// `POSY_*` variable, its default and what it does. The flag's help, the reading (``Settings``) and
/// the table in docs/operations.md all come from this declaration.
public struct Setting<Value: SettingValue>: AnySetting {
    /// The flag without its dashes (`bus-pub`); nil for a setting only the environment gives.
    public let flag: String?
    /// The environment variable (`POSY_BUS_PUB`); `<SERVICE>` stands for the service's name in the
    /// per-service ones (`POSY_<SERVICE>_RPC`).
    public let variable: String
    /// The value when neither the flag nor the variable gives one; nil: none.
    public let defaultValue: Value?
    /// The default as the help and the docs say it (`tcp://127.0.0.1:7100`, `none: plain HTTP`).
    public let defaultText: String
    /// What it does, one sentence, no trailing period.
    public let summary: String
    /// Whether an empty variable is a value of its own (no basemap) rather than the same as unset.
    public let emptyIsValue: Bool
    /// Whether the value is a secret: never shown in an access log.
    public let isSecret: Bool
    /// Whether ``defaultText`` is the value itself (shown as code) rather than words about it.
    public let defaultIsLiteral: Bool

    /// A setting with a default value, shown as `shown` (else the value itself).
    public init(
        _ flag: String?, _ variable: String, default value: Value, _ summary: String, shown: String? = nil, emptyIsValue: Bool = false
    ) {
        self.flag = flag
        self.variable = variable
        self.defaultValue = value
        self.defaultText = shown ?? value.settingText
        self.summary = summary
        self.emptyIsValue = emptyIsValue
        self.isSecret = false
        self.defaultIsLiteral = shown == nil && !(value is Bool)
    }

    /// A setting with no default value: unset unless given; `shown` says what that means.
    public init(_ flag: String?, _ variable: String, unset shown: String, _ summary: String, isSecret: Bool = false) {
        self.flag = flag
        self.variable = variable
        self.defaultValue = nil
        self.defaultText = shown
        self.summary = summary
        self.emptyIsValue = false
        self.isSecret = isSecret
        self.defaultIsLiteral = false
    }

    /// The declared default, for a setting declared with one (a configuration type's own default).
    public var standard: Value {
        guard let defaultValue else { preconditionFailure("\(variable) is declared without a default") }
        return defaultValue
    }

    public func problem(in settings: Settings) -> String? {
        guard !variable.contains("<") else { return nil }
        do {
            _ = try settings.optional(self)
            return nil
        } catch {
            return error.description
        }
    }

    /// The flag's name for ArgumentParser (`--<flag>`).
    public var name: NameSpecification { .customLong(flag ?? variable) }

    /// The flag's help: what it does, its variable and its default.
    public var help: ArgumentHelp { ArgumentHelp("\(summary) (env \(variable), default \(defaultText)).") }

    /// This setting of service `service`: `<SERVICE>` in its variable replaced (`POSY_ORDERS_RPC`).
    public func of(service: String) -> Setting {
        var copy = self
        copy.variableOverride = variable.replacingOccurrences(of: "<SERVICE>", with: service.uppercased())
        return copy
    }

    private var variableOverride: String?

    /// The variable read: the per-service one once ``of(service:)`` named the service.
    var readVariable: String { variableOverride ?? variable }

    /// The key swift-configuration reads it under: the variable's words (`POSY_BUS_PUB` is
    /// `posy.bus.pub`), which its environment provider turns back into the variable.
    var key: ConfigKey { ConfigKey(readVariable.lowercased().split(separator: "_").map(String.init)) }
}
