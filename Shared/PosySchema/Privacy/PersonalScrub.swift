import Foundation

/// Forgets one person's strings wherever free text may repeat them (docs/architecture.md, "Privacy").
///
/// A string that contains a needle of three characters or more — compared without case or runs of
/// white space — or that equals a shorter one, or whose digits contain a phone needle's digits
/// (`138 0013 8000` in `call 13800138000`), is replaced by the empty string, which every Posy type
/// decodes. Only rows of the erased orders are ever scrubbed, so a short name matching too much
/// blanks text of those orders alone.
public struct PersonalScrub: Sendable {
    private let contained: [String]
    private let exact: Set<String>
    private let phones: [String]

    public init(needles: [String]) {
        var contained: [String] = []
        var exact: Set<String> = []
        var phones: [String] = []
        for needle in needles {
            let n = Self.normalized(needle)
            if n.isEmpty { continue }
            if n.count >= 3 { contained.append(n) } else { exact.insert(n) }
            if PhoneNumber.isValid(needle) {
                let digits = Self.digits(needle)
                if digits.count >= 6 { phones.append(digits) }
            }
        }
        self.contained = contained
        self.exact = exact
        self.phones = phones
    }

    public var isEmpty: Bool { contained.isEmpty && exact.isEmpty && phones.isEmpty }

    /// Whether `text` holds one of the person's strings.
    public func matches(_ text: String) -> Bool {
        if text.isEmpty { return false }
        let n = Self.normalized(text)
        if exact.contains(n) || contained.contains(where: { n.contains($0) }) { return true }
        if !phones.isEmpty {
            for token in Self.numberTokens(text) where phones.contains(where: { Self.samePhone($0, token) }) { return true }
        }
        return false
    }

    /// The digits of every run of digits and phone punctuation (`+86 (139) 1234-5678`) in `text`.
    static func numberTokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            if ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !" +-().".unicodeScalars.contains(scalar) {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// Whether two numbers' digits are one phone: equal, or one ends with the other of at least
    /// seven digits (written with and without the country code).
    public static func samePhone(_ a: String, _ b: String) -> Bool {
        if a == b { return a.count >= 3 }
        let (short, long) = a.count < b.count ? (a, b) : (b, a)
        return short.count >= 7 && long.hasSuffix(short)
    }

    /// `text`, or the empty string when it holds one of the person's strings.
    public func text(_ text: String) -> String { matches(text) ? "" : text }

    /// `value` with every matching string emptied; with `coordinates`, every `lat`, `lon` and
    /// `accuracy` number and every `address` object nulled too (a door's position is the person's);
    /// members named in `keys` are nulled wherever they are.
    public func json(_ value: JSONValue, coordinates: Bool, keys: Set<String> = []) -> JSONValue {
        switch value {
        case .string(let s): return .string(text(s))
        case .array(let a): return .array(a.map { json($0, coordinates: coordinates, keys: keys) })
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, v) in o {
                if keys.contains(k) {
                    out[k] = .null
                    continue
                }
                if coordinates {
                    if case .number = v, Self.coordinateKeys.contains(k) {
                        out[k] = .null
                        continue
                    }
                    if case .object = v, k == "address" {
                        out[k] = .null
                        continue
                    }
                }
                out[k] = json(v, coordinates: coordinates, keys: keys)
            }
            return .object(out)
        default: return value
        }
    }

    /// JSON bytes scrubbed as ``json(_:coordinates:)``; nil when nothing changed (or not JSON).
    public func data(_ data: Data, coordinates: Bool, keys: Set<String> = []) -> Data? {
        guard let value = try? JSON.decode(JSONValue.self, from: data) else { return nil }
        let scrubbed = json(value, coordinates: coordinates, keys: keys)
        guard scrubbed != value else { return nil }
        return try? JSON.encode(scrubbed)
    }

    static let coordinateKeys: Set<String> = ["lat", "lon", "accuracy"]

    static func normalized(_ s: String) -> String {
        s.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The ASCII digits of `s`, in order.
    public static func digits(_ s: String) -> String { String(s.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init)) }
}
