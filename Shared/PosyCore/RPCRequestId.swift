import Foundation

/// A request id as Posy's clients make it: `<client>-<n>/<ms>`, where `ms` is how long the caller
/// still waits as the request leaves (docs/protocol.md, "RPC"). Servers echo the id whole, so one
/// that does not read the budget answers as before; a server that does skips work nobody waits for.
enum RPCRequestId {
    /// Budgets longer than this many digits are read as none.
    static let maxBudgetDigits = 7

    static func make(_ client: Substring, _ n: UInt64, budget: Duration) -> Data {
        let ms = max(1, Int((budget / .milliseconds(1)).rounded(.up)))
        return Data("\(client)-\(n)/\(ms)".utf8)
    }

    /// The budget at the end of `id` (`/` and 1–7 digits), or nil when it carries none.
    static func budget(in id: Data) -> Duration? {
        var ms = 0
        var scale = 1
        var digits = 0
        var i = id.endIndex
        while i > id.startIndex {
            i -= 1
            let byte = id[i]
            if byte == UInt8(ascii: "/") {
                return digits == 0 ? nil : .milliseconds(ms)
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < maxBudgetDigits else { return nil }
            ms += Int(byte - UInt8(ascii: "0")) * scale
            scale *= 10
            digits += 1
        }
        return nil
    }
}
