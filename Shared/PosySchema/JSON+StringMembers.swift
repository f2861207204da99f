import Foundation

extension JSON {
    /// The values of `keys` in the JSON object `data`, in the order asked, where each of those
    /// members is a string or null (nil for null or absent). Other members are skipped, their syntax
    /// checked. Refuses malformed JSON, a named member given twice or of another type, and bytes
    /// after the object. Read by hand: every RPC request's caller is read this way, and JSONDecoder
    /// cost more than the rest of a small handler (docs/performance.md, "CPU per message").
    public static func stringMembers(_ keys: [String], of data: Data, subject: String) throws(SchemaError) -> [String?] {
        do {
            return try data.withUnsafeBytes { raw in
                var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self), subject: subject)
                return try p.stringMembers(keys)
            }
        } catch let e as SchemaError {
            throw e
        } catch {
            throw SchemaError(.badPayload, "\(subject): \(error)")
        }
    }
}

extension EnvelopeCodec.Parser {
    mutating func stringMembers(_ keys: [String]) throws -> [String?] {
        precondition(keys.count <= 64, "at most 64 named members")
        var values = [String?](repeating: nil, count: keys.count)
        var seen: UInt64 = 0
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                let key = try memberName()
                if let n = keys.firstIndex(of: key) {
                    guard seen & (1 << UInt64(n)) == 0 else { throw fail("\(key) given twice") }
                    seen |= 1 << UInt64(n)
                    values[n] = try optionalString()
                } else {
                    try skipValue(depth: 1)
                }
                if try !nextMember() { break }
            }
        }
        skipSpace()
        guard i == bytes.count else { throw fail("trailing bytes") }
        return values
    }
}
