import Foundation

extension JSON {
    /// The raw JSON of the top-level member `name` of the object `body`, without decoding the rest
    /// but checking the whole document's syntax; nil when `body` is not an object or has no such
    /// member. Throws on malformed JSON and on `name` given twice, which readers could take differently.
    public static func member(_ name: String, of body: Data) throws(SchemaError) -> Data? {
        let range: Range<Int>?
        do {
            range = try body.withUnsafeBytes { raw in
                var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self))
                return try p.member(name)
            }
        } catch let e as SchemaError {
            throw e
        } catch {
            throw SchemaError(.badRequest, "request body: \(error)")
        }
        guard let range else { return nil }
        return body.subdata(in: (body.startIndex + range.lowerBound)..<(body.startIndex + range.upperBound))
    }
}
