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

    /// An object's members: `member` reads each one's value by its name and returns the name's bit
    /// (one per name it knows; it throws for a name it does not). A name given twice throws.
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
