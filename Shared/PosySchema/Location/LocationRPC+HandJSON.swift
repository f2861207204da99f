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

/// Couriers' fixes gathered by the gateway, written and read by hand as the single batch is.
extension LocationRPC.IngestBatchRequest: HandEncodable, HandDecodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("items")
        w.openArray()
        for item in items {
            w.openObject()
            w.key("courier")
            w.string(item.courier)
            w.key("positions")
            w.openArray()
            for fix in item.positions { try fix.write(to: &w) }
            w.closeArray()
            if let shop = item.shop {
                w.key("shop")
                w.string(shop)
            }
            w.closeObject()
        }
        w.closeArray()
        w.closeObject()
    }

    static func read(from p: inout EnvelopeCodec.Parser) throws -> LocationRPC.IngestBatchRequest {
        var items: [Item]?
        try p.object { p, name in
            guard name == "items" else {
                // The RPC's `caller`, read on its own by the server.
                try p.skipPlainValue()
                return 0
            }
            items = try p.array { p in try Item.read(from: &p) }
            return 1
        }
        guard let items else { throw p.fail("not a plain batch") }
        return LocationRPC.IngestBatchRequest(items: items)
    }
}

extension LocationRPC.IngestBatchRequest.Item {
    static func read(from p: inout EnvelopeCodec.Parser) throws -> Self {
        var courier: String?
        var shop: String?
        var positions: [PositionFix]?
        try p.object { p, name in
            switch name {
            case "courier":
                courier = try p.string()
                return 1
            case "shop":
                shop = try p.optionalString()
                return 2
            case "positions":
                positions = try p.array { p in try PositionFix.read(from: &p) }
                return 4
            default:
                try p.skipPlainValue()
                return 0
            }
        }
        guard let courier, let positions else { throw p.fail("not a plain item") }
        return Self(courier: courier, shop: shop, positions: positions)
    }
}
