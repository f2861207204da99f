/// A batch of fixes to posy-location, written by the gateway and read by the service by hand
/// (docs/performance.md, "Posy's own JSON for positions").
extension LocationRPC.IngestRequest: HandEncodable, HandDecodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("positions")
        w.openArray()
        for fix in positions { try fix.write(to: &w) }
        w.closeArray()
        w.closeObject()
    }

    static func read(from p: inout EnvelopeCodec.Parser) throws -> LocationRPC.IngestRequest {
        var positions: [PositionFix]?
        try p.object { p, name in
            guard name == "positions" else {
                try p.skipPlainValue()
                return 0
            }
            positions = try p.array { p in try PositionFix.read(from: &p) }
            return 1
        }
        guard let positions else { throw p.fail("not a plain batch") }
        return LocationRPC.IngestRequest(positions: positions)
    }
}
