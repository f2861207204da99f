/// A plain internet mail address (RFC 5322 `addr-spec` in its dot-atom form, ASCII): `local@domain`
/// with a local part of atext characters and single dots, and a domain of letter-digit-hyphen labels.
///
/// An address goes into SMTP commands (`RCPT TO:<…>`) and headers (`To:`), so anything beyond this
/// — quoted local parts, comments, address literals, spaces, CR/LF, `<`/`>` — is refused rather
/// than escaped: no receiving relay agrees on how to escape them (docs/protocol.md, "Preferences").
public enum EmailAddress {
    /// The longest address SMTP carries (RFC 5321 §4.5.3.1: path 256 less the angle brackets).
    public static let maxLength = 254

    /// Whether `text` is a plain address Posy will write into SMTP.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxLength, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        return isDotAtom(local) && local.count <= 64 && isDomain(domain)
    }

    /// atext (RFC 5322 §3.2.3) in runs separated by single dots.
    static func isDotAtom(_ part: ArraySlice<UInt8>) -> Bool {
        let specials = Set("!#$%&'*+-/=?^_`{|}~".utf8)
        guard !part.isEmpty else { return false }
        return part.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { run in
            !run.isEmpty && run.allSatisfy { isAlnum($0) || specials.contains($0) }
        }
    }

    /// Host names: labels of letters, digits and inner hyphens, at most 63 each (`localhost` is one).
    package static func isDomain(_ part: ArraySlice<UInt8>) -> Bool {
        let labels = part.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard !part.isEmpty, part.count <= 253 else { return false }
        return labels.allSatisfy { l in
            (1...63).contains(l.count) && l.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
                && l.first != UInt8(ascii: "-") && l.last != UInt8(ascii: "-")
        }
    }

    package static func isAlnum(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }
}
