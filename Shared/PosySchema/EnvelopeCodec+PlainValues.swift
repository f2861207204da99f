import Foundation

/// The values the hand readers take (``HandDecodable``): only plain ones; anything unusual throws,
/// and the caller leaves the document to `JSONDecoder`. Each starts at its value's first byte
/// (``memberName()`` and ``array(_:)`` skip the space before it).
extension EnvelopeCodec.Parser {
    /// A JSON number that is a finite `Double` (correctly rounded, as `JSONDecoder` reads it).
    mutating func double() throws -> Double {
        let start = i
        guard i < bytes.count else { throw fail("expected number") }
        try skipNumber()
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw fail("number out of range") }
        return d
    }

    /// A JSON number that is an integer as written — no fraction, no exponent — and fits an `Int`.
    mutating func plainInt() throws -> Int {
        let start = i
        guard i < bytes.count else { throw fail("expected integer") }
        try skipNumber()
        var value = 0
        let negative = bytes[start] == UInt8(ascii: "-")
        for b in bytes[(negative ? start + 1 : start)..<i] {
            guard b >= 48, b <= 57 else { throw fail("not a plain integer") }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int(b - 48)) : m.addingReportingOverflow(Int(b - 48))
            guard !o1, !o2 else { throw fail("integer out of range") }
            value = a
        }
        return value
    }

    /// ``double()``, or nil for `null`.
    mutating func optionalDouble() throws -> Double? {
        try isNull() ? nil : try double()
    }

    mutating func bool() throws -> Bool {
        guard i < bytes.count else { throw fail("expected true or false") }
        if bytes[i] == UInt8(ascii: "t") {
            try literal("true")
            return true
        }
        try literal("false")
        return false
    }

    /// A value of a member the reader does not know, skipped as `JSONDecoder` skips it — when it is
    /// plain ASCII without escapes, whose syntax ``skipValue(depth:)`` checks in full; anything else
    /// throws, for `JSONDecoder` to judge (an RPC request's `caller`, read on its own, is plain).
    mutating func skipPlainValue() throws {
        let start = i
        try skipValue(depth: 1)
        for b in bytes[start..<i] where b >= 0x80 || b == UInt8(ascii: "\\") {
            throw fail("not plain")
        }
    }

    /// An object's members: `member` reads each one's value by its name and returns the name's bit
    /// (one per name it knows, 0 for one it skips). A name it knows given twice throws.
    mutating func object(_ member: (inout Self, String) throws -> UInt64) throws {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return
        }
        var seen: UInt64 = 0
        while true {
            let name = try memberName()
            let bit = try member(&self, name)
            guard seen & bit == 0 else { throw fail("\(name) given twice") }
            seen |= bit
            if try !nextMember() { return }
        }
    }

    /// An array's elements, each read by `element`.
    mutating func array<T>(_ element: (inout Self) throws -> T) throws -> [T] {
        try expect(UInt8(ascii: "["))
        skipSpace()
        var out: [T] = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return out
        }
        while true {
            skipSpace()
            out.append(try element(&self))
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
            i += 1
            return out
        }
    }
}
