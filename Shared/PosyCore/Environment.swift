import Foundation

/// Reads `POSY_*` environment variables, the fallback for every flag.
public enum Environment {
    public static func string(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    /// Flag value, else environment variable, else default.
    public static func resolve(_ flag: String?, _ env: String, _ fallback: String) -> String {
        flag ?? string(env) ?? fallback
    }
}
