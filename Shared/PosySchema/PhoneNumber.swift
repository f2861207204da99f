/// A phone number as people type it: ASCII digits with an optional leading `+` and the usual
/// separators (space, `-`, `(`, `)`), 3 to 20 digits, at most 32 characters.
///
/// Numbers are written into SMS provider requests; only these characters ever reach one
/// (docs/protocol.md, "Preferences").
public enum PhoneNumber {
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (3...32).contains(bytes.count) else { return false }
        var digits = 0
        for (i, b) in bytes.enumerated() {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "+"): if i != 0 { return false }
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            default: return false
            }
        }
        return (3...20).contains(digits)
    }
}
