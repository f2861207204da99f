/// Writes JSON byte for byte as `JSON.encode`'s `JSONEncoder` does — keys in the order the caller
/// gives them (sorted, as that encoder sorts), numbers as it writes them, strings with its escapes —
/// for the few hot types that write themselves (``HandEncodable``; docs/performance.md, "Posy's own
/// JSON for positions").
struct HandJSONWriter {
    var bytes: [UInt8] = []
    /// No member or element has been written yet in the innermost open object or array.
    private var first = true

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func openObject() { open(UInt8(ascii: "{")) }

    mutating func closeObject() { close(UInt8(ascii: "}")) }

    mutating func openArray() { open(UInt8(ascii: "[")) }

    mutating func closeArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        first = true
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        first = false
    }

    /// A member's name and its colon; the value follows. `name` needs no escape.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        first = true
    }

    /// A member whose name is data (a dictionary's key).
    mutating func key(_ name: String) {
        separate()
        EnvelopeCodec.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        first = true
    }

    /// A finite number as `JSONEncoder` writes it: Swift's shortest form, without a trailing `.0`.
    /// A non-finite one fails as that encoder fails (JSON has no NaN).
    mutating func number(_ d: Double) throws {
        guard d.isFinite else {
            throw EncodingError.invalidValue(
                d, EncodingError.Context(codingPath: [], debugDescription: "Unable to encode \(d) directly in JSON."))
        }
        separate()
        var text = d.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func integer(_ n: Int) {
        separate()
        bytes.append(contentsOf: String(n).utf8)
    }

    mutating func string(_ s: String) {
        separate()
        EnvelopeCodec.appendString(s, to: &bytes)
    }

    mutating func bool(_ b: Bool) {
        separate()
        bytes.append(contentsOf: (b ? "true" : "false").utf8)
    }

    /// A value Posy does not write by hand, as `JSON.encode` writes it alone: with no space and
    /// sorted keys, a value's JSON is the same inside another's as on its own.
    mutating func encoded(_ value: some Encodable) throws {
        let data = try JSON.encode(value)
        separate()
        bytes.append(contentsOf: data)
    }

    /// A comma before every member or element but the first of its object or array.
    private mutating func separate() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
    }
}
