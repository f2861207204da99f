import PosySchema

/// Errors of `posy-notify` outside RPC (those are ``PosyError`` with a stable code).
public enum NotifyError: Error, Equatable, CustomStringConvertible {
    /// A rule file that cannot be used (code `notify_rules`).
    case rules(String)

    public var code: String {
        switch self {
        case .rules: "notify_rules"
        }
    }

    public var description: String {
        switch self {
        case .rules(let m): "\(code): \(m)"
        }
    }
}
