import Foundation

extension PositionFix {
    /// A stream's `loc.batch` frame, `{"type":"loc.batch","ref":…,"positions":[…]}`, read by hand
    /// when it is plain: `ref` a string, null or absent, every fix plain (``HandDecodable``), any other
    /// member plain and skipped. Nil for any other frame, which the gateway reads with `JSONDecoder`
    /// as before, so a wrong field is still named (docs/performance.md, "Posy's own JSON for positions").
    public static func plainBatchFrame(_ json: Data) -> (ref: String?, positions: [PositionFix])? {
        json.withUnsafeBytes { raw -> (ref: String?, positions: [PositionFix])? in
            var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self), subject: "plain frame")
            var isBatch = false
            var ref: String?
            var positions: [PositionFix]?
            do {
                try p.object { p, name in
                    switch name {
                    case "type":
                        // Any other frame stops here: it is read as before.
                        guard try p.string() == StreamFrameType.locationBatch else { throw p.fail("not a batch") }
                        isBatch = true
                        return 1
                    case "ref":
                        ref = try p.optionalString()
                        return 2
                    case "positions":
                        positions = try p.array { p in try PositionFix.read(from: &p) }
                        return 4
                    default:
                        try p.skipPlainValue()
                        return 0
                    }
                }
            } catch {
                return nil
            }
            p.skipSpace()
            guard isBatch, let positions, p.i == p.bytes.count else { return nil }
            return (ref, positions)
        }
    }
}
