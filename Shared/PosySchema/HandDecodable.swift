import Foundation

/// A type Posy reads by hand when its JSON is plain — each member it knows of the kind it should
/// be and given once, any other member plain ASCII without escapes (skipped, as `JSONDecoder` skips
/// it). Anything else throws here and is left to `JSONDecoder`, which decides as before and names
/// what is wrong; so reading by hand changes no answer, only the cost (docs/performance.md, "Posy's
/// own JSON for positions"). ``JSON/decode(_:from:)`` tries it first.
protocol HandDecodable: Decodable {
    static func read(from p: inout EnvelopeCodec.Parser) throws -> Self
}

extension HandDecodable {
    /// The whole of `data` as one value, or nil where `JSONDecoder` must decide.
    static func readPlain(_ data: Data) -> Self? {
        data.withUnsafeBytes { raw -> Self? in
            var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self), subject: "plain JSON")
            guard let value = try? read(from: &p) else { return nil }
            p.skipSpace()
            return p.i == p.bytes.count ? value : nil
        }
    }
}
