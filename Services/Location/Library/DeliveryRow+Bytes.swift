import Foundation
import PosySchema

/// How a delivery's state is stored: ``TaggedBytes``, read and written on every position. Rows
/// written as JSON before are still read, and become tagged bytes when next saved.
extension DeliveryRow {
    /// The first byte of a row in tagged bytes (a JSON row starts with `{`).
    static let bytesMarker: UInt8 = 0x01

    var bytes: Data {
        var w = TaggedBytes.Writer()
        w.text(1, orderId)
        w.text(2, shopId)
        w.text(3, conversationId)
        w.text(4, customerId)
        w.text(5, courierId)
        w.text(6, state.rawValue)
        w.text(7, vehicle?.rawValue)
        w.double(8, destLat)
        w.double(9, destLon)
        w.text(10, windowEnd)
        w.double(11, assignedAt)
        w.double(12, startedAt)
        w.double(13, departedAt)
        w.double(14, endedAt)
        w.double(15, trackMeters)
        w.record(16, shopFence.map(Self.bytes))
        w.record(17, Self.bytes(arrivalFence))
        w.record(18, Self.bytes(nearFence))
        w.bool(19, departedSent)
        w.bool(20, arrivingSent)
        w.double(21, predictedAtDeparture)
        w.double(22, predictedArrival)
        w.double(23, etaSeconds)
        w.bool(24, etaFromTrack)
        w.bool(25, riskActive)
        w.double(26, riskLateBy)
        w.double(27, lastHeard)
        w.bool(28, signalLost)
        w.double(29, nearSince)
        w.bool(30, stuckSent)
        var data = Data(capacity: w.bytes.count + 1)
        data.append(Self.bytesMarker)
        data.append(contentsOf: w.bytes)
        return data
    }

    /// A stored row: tagged bytes, or JSON from before them.
    static func decode(_ data: Data) throws -> DeliveryRow {
        guard data.first == bytesMarker else { return try JSON.decode(DeliveryRow.self, from: data) }
        return try data.withUnsafeBytes { try decode(UnsafeRawBufferPointer(rebasing: $0.dropFirst())) }
    }

    /// Fields a row must have: order, shop, conversation, state, window end and both fences.
    private static let required: UInt64 = [1, 2, 3, 6, 10, 17, 18].reduce(0) { $0 | 1 << $1 }

    private static func decode(_ raw: UnsafeRawBufferPointer) throws -> DeliveryRow {
        let none = GeofenceCrossing(radius: 0)
        var d = DeliveryRow(
            orderId: "", shopId: "", conversationId: "", state: .placed, windowEnd: "", arrivalFence: none, nearFence: none)
        var seen: UInt64 = 0
        try TaggedBytes.read(raw) { field, value in
            seen |= 1 << field
            switch field {
            case 1: d.orderId = try value.text()
            case 2: d.shopId = try value.text()
            case 3: d.conversationId = try value.text()
            case 4: d.customerId = try value.text()
            case 5: d.courierId = try value.text()
            case 6: d.state = try enumValue(value.text())
            case 7: d.vehicle = try enumValue(value.text())
            case 8: d.destLat = try value.double()
            case 9: d.destLon = try value.double()
            case 10: d.windowEnd = try value.text()
            case 11: d.assignedAt = try value.double()
            case 12: d.startedAt = try value.double()
            case 13: d.departedAt = try value.double()
            case 14: d.endedAt = try value.double()
            case 15: d.trackMeters = try value.double()
            case 16: d.shopFence = try fence(value.record())
            case 17: d.arrivalFence = try fence(value.record())
            case 18: d.nearFence = try fence(value.record())
            case 19: d.departedSent = try value.bool()
            case 20: d.arrivingSent = try value.bool()
            case 21: d.predictedAtDeparture = try value.double()
            case 22: d.predictedArrival = try value.double()
            case 23: d.etaSeconds = try value.double()
            case 24: d.etaFromTrack = try value.bool()
            case 25: d.riskActive = try value.bool()
            case 26: d.riskLateBy = try value.double()
            case 27: d.lastHeard = try value.double()
            case 28: d.signalLost = try value.bool()
            case 29: d.nearSince = try value.double()
            case 30: d.stuckSent = try value.bool()
            default: break  // written by a newer version: skipped
            }
        }
        guard seen & required == required else { throw TaggedBytes.malformed("a delivery without one of its required fields") }
        return d
    }

    private static func bytes(_ f: GeofenceCrossing) -> TaggedBytes.Writer {
        var w = TaggedBytes.Writer(capacity: 32)
        w.double(1, f.radius)
        w.double(2, f.margin)
        w.bool(3, f.once)
        w.bool(4, f.firstFixEnters)
        w.bool(5, f.inside)
        w.bool(6, f.entered)
        return w
    }

    private static func fence(_ raw: UnsafeRawBufferPointer) throws -> GeofenceCrossing {
        var radius: Double?
        var margin: Double?
        var once = false
        var firstFixEnters = false
        var inside: Bool?
        var entered = false
        try TaggedBytes.read(raw) { field, value in
            switch field {
            case 1: radius = try value.double()
            case 2: margin = try value.double()
            case 3: once = try value.bool()
            case 4: firstFixEnters = try value.bool()
            case 5: inside = try value.bool()
            case 6: entered = try value.bool()
            default: break
            }
        }
        guard let radius, let margin else { throw TaggedBytes.malformed("a geofence without its radius or margin") }
        return GeofenceCrossing(
            radius: radius, margin: margin, once: once, firstFixEnters: firstFixEnters, inside: inside, entered: entered)
    }

    private static func enumValue<E: RawRepresentable<String>>(_ raw: String) throws -> E {
        guard let v = E(rawValue: raw) else { throw TaggedBytes.malformed("unknown \(E.self) \(raw)") }
        return v
    }

    private init(
        orderId: String, shopId: String, conversationId: String, state: OrderState, windowEnd: String,
        arrivalFence: GeofenceCrossing, nearFence: GeofenceCrossing
    ) {
        self.orderId = orderId
        self.shopId = shopId
        self.conversationId = conversationId
        self.state = state
        self.windowEnd = windowEnd
        self.arrivalFence = arrivalFence
        self.nearFence = nearFence
    }
}
