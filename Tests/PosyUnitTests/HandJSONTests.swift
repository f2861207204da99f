import Foundation
import PosyAccess
import Testing

@testable import PosySchema

/// Positions' JSON written and read by hand (docs/performance.md, "Posy's own JSON for positions"):
/// the same bytes as Foundation's `JSONEncoder` for any value, and the same values as its
/// `JSONDecoder` for any document — by hand where the document is plain, by Foundation otherwise.
@Suite struct HandJSONTests {
    /// A seeded generator (SplitMix64), so a failure names a case that can be run again.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// What `JSON.encode` wrote before it wrote these types by hand.
    static func foundation(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Doubles of every shape a writer must get right: integral, tiny, huge, negative zero, long fractions.
    static func number(_ rng: inout Seeded) -> Double {
        switch rng.next() % 7 {
        case 0: return Double(Int.random(in: -1000...1000, using: &rng))
        case 1: return Double.random(in: -90...90, using: &rng)
        case 2: return Double.random(in: -1e-6...1e-6, using: &rng)
        case 3: return Double.random(in: 1e15...1e22, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
        case 4: return [0.0, -0.0, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e16, 1e-5, 100].randomElement(using: &rng)!
        case 5: return (Double.random(in: 0...200, using: &rng) * 10000).rounded() / 10000
        default: return Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
        }
    }

    /// Text with what needs escaping: quotes, backslashes, slashes, every control character, and
    /// letters beyond ASCII.
    static func text(_ rng: inout Seeded) -> String {
        let pieces = ["a", "Z", "0", "/", "\"", "\\", "\u{7F}", "é", "花", "🌷", " ", "2026-12-07T01:00:00Z"]
        var s = ""
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            if rng.next() % 4 == 0 {
                s.unicodeScalars.append(Unicode.Scalar(UInt8(rng.next() % 32)))
            } else {
                s += pieces.randomElement(using: &rng)!
            }
        }
        return s
    }

    static func maybe<T>(_ rng: inout Seeded, _ make: (inout Seeded) -> T) -> T? {
        Bool.random(using: &rng) ? make(&rng) : nil
    }

    static func fix(_ rng: inout Seeded) -> PositionFix {
        PositionFix(
            lat: number(&rng), lon: number(&rng), accuracy: number(&rng), speed: maybe(&rng, number), heading: maybe(&rng, number),
            at: text(&rng))
    }

    static func position(_ rng: inout Seeded) -> CourierPosition {
        var p = CourierPosition(
            courierId: maybe(&rng, text), lat: number(&rng), lon: number(&rng), accuracy: number(&rng), speed: maybe(&rng, number),
            heading: maybe(&rng, number), at: text(&rng), ageSeconds: maybe(&rng, number),
            orderIds: maybe(&rng) { rng in (0..<Int.random(in: 0...3, using: &rng)).map { _ in text(&rng) } })
        p.appInBackground = maybe(&rng) { Bool.random(using: &$0) }
        // Order ids as keys, as the service writes them (hex and dashes).
        p.arrivals = maybe(&rng) { rng in
            Dictionary(
                (0..<Int.random(in: 0...4, using: &rng)).map { _ in (String(rng.next(), radix: 16), text(&rng)) },
                uniquingKeysWith: { a, _ in a })
        }
        return p
    }

    static func view(_ rng: inout Seeded) -> TrackingView {
        TrackingView(
            orderId: text(&rng), state: OrderState.allCases.randomElement(using: &rng)!, position: maybe(&rng, position),
            distanceMeters: maybe(&rng, number),
            eta: maybe(&rng) { rng in TrackingView.ETA(seconds: number(&rng), at: text(&rng), fromTrack: Bool.random(using: &rng)) },
            windowEnd: text(&rng))
    }

    @Test func writesWhatJSONEncoderWrites() throws {
        var rng = Seeded(state: 20_261_207)
        for _ in 0..<2_000 {
            let fixes = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Self.fix(&rng) }
            let request = LocationRPC.IngestRequest(positions: fixes)
            #expect(try JSON.encode(request) == Self.foundation(request))
            let position = Self.position(&rng)
            #expect(try JSON.encode(position) == Self.foundation(position))
            let view = Self.view(&rng)
            #expect(try JSON.encode(view) == Self.foundation(view))
            let reply = IngestReply(
                accepted: Int.random(in: 0...600, using: &rng),
                dropped: (0..<Int.random(in: 0...3, using: &rng)).map { n in
                    DroppedFix(index: n, reason: DropReason.allCases.randomElement(using: &rng)!)
                })
            #expect(try JSON.encode(reply) == Self.foundation(reply))
        }
    }

    /// The gateway's gathered batch: written as Foundation writes it, read back by hand as
    /// JSONDecoder reads it, with the RPC's caller in front as it travels.
    @Test func aGatheredBatchIsWrittenAndReadAsFoundationDoes() throws {
        var rng = Seeded(state: 5_20)
        for _ in 0..<500 {
            let items = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                LocationRPC.IngestBatchRequest.Item(
                    courier: Self.text(&rng), shop: Self.maybe(&rng, Self.text),
                    positions: (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.fix(&rng) })
            }
            let request = LocationRPC.IngestBatchRequest(items: items)
            let written = try JSON.encode(request)
            #expect(written == (try Self.foundation(request)))
            let travelling = Viewer.service("gateway").request(written)
            #expect(LocationRPC.IngestBatchRequest.readPlain(travelling) == request, "\(String(decoding: travelling, as: UTF8.self))")
            #expect(try JSON.decode(LocationRPC.IngestBatchRequest.self, from: travelling) == request)
        }
    }

    @Test func failsWhereJSONEncoderFails() throws {
        // JSON has no NaN: a kept position never holds one, and if it did its push is not sent.
        for bad in [Double.nan, .infinity, -.infinity] {
            let position = CourierPosition(courierId: "c", lat: bad, lon: 2, accuracy: 5, at: "t")
            #expect(throws: EncodingError.self) { try JSON.encode(position) }
            #expect(throws: EncodingError.self) { try Self.foundation(position) }
            let view = TrackingView(orderId: "o", state: .outForDelivery, position: nil, distanceMeters: bad, eta: nil, windowEnd: "w")
            #expect(throws: EncodingError.self) { try JSON.encode(view) }
        }
        // A fix carries what the phone sent to posy-location, which judges it: NaN as "NaN", or left out.
        let fix = PositionFix(lat: .nan, lon: .infinity, accuracy: 5, speed: .nan, heading: 90, at: "t")
        let written = try JSON.encode(LocationRPC.IngestRequest(positions: [fix]))
        #expect(written == (try Self.foundation(LocationRPC.IngestRequest(positions: [fix]))))
        #expect(
            String(decoding: written, as: UTF8.self) == #"{"positions":[{"accuracy":5,"at":"t","heading":90,"lat":"NaN","lon":"NaN"}]}"#)
    }

    @Test func readsWhatJSONDecoderReads() throws {
        var rng = Seeded(state: 7)
        for _ in 0..<1_000 {
            // Finite fixes, as a phone sends them: written by Foundation, with space added here and there.
            let fixes = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                var f = Self.fix(&rng)
                if !f.lat.isFinite { f.lat = 0 }
                return f
            }
            var text = String(decoding: try Self.foundation(LocationRPC.IngestRequest(positions: fixes)), as: UTF8.self)
            if Bool.random(using: &rng) { text = Self.spaced(text) }
            let data = Data(text.utf8)
            let plain = try #require(LocationRPC.IngestRequest.readPlain(data), "\(text)")
            #expect(plain.positions == fixes)
            #expect(try JSON.decode(LocationRPC.IngestRequest.self, from: data).positions == fixes)
        }
    }

    /// `json` with space around every brace, bracket, comma and colon (outside its strings).
    static func spaced(_ json: String) -> String {
        var out = ""
        var inString = false
        var escaped = false
        for c in json {
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                out.append(c)
            } else if c == "\"" {
                inString = true
                out.append(c)
            } else if "{}[],:".contains(c) {
                out += " \(c)\n\t"
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// Documents that are not plain are read by JSONDecoder, with its answers and its errors.
    @Test func leavesTheRestToJSONDecoder() throws {
        func batch(_ fix: String) -> Data { Data(#"{"positions":[\#(fix)]}"#.utf8) }
        let unusual = [
            #"{"lat":null,"lon":2,"accuracy":5,"at":"t"}"#,  // a null coordinate reads as NaN
            #"{"lat":"NaN","lon":2,"accuracy":5,"at":"t"}"#,
            #"{"lat":1,"lon":2,"accuracy":5,"at":"t","provider":"gps\u0021"}"#,  // one it does not know, not plain
            #"{"lat":1,"lon":2,"accuracy":5,"at":"t","provider":"北斗"}"#,
            #"{"lat":1,"lat":3,"lon":2,"accuracy":5,"at":"t"}"#,  // given twice: whichever JSONDecoder takes
        ]
        for fix in unusual {
            #expect(LocationRPC.IngestRequest.readPlain(batch(fix)) == nil, "\(fix)")
            let foundation = try JSONDecoder().decode(LocationRPC.IngestRequest.self, from: batch(fix))
            let ours = try JSON.decode(LocationRPC.IngestRequest.self, from: batch(fix))
            #expect(ours.positions.count == 1 && ours.positions[0].at == foundation.positions[0].at)
            #expect(ours.positions[0].lat.isNaN == foundation.positions[0].lat.isNaN)
            #expect(ours.positions[0].lat.isNaN || ours.positions[0].lat == foundation.positions[0].lat)
        }
        let refused = [
            #"{"lon":2,"accuracy":5,"at":"t"}"#,  // missing
            #"{"lat":"north","lon":2,"accuracy":5,"at":"t"}"#,
            #"{"lat":01,"lon":2,"accuracy":5,"at":"t"}"#,
            #"{"lat":1e400,"lon":2,"accuracy":5,"at":"t"}"#,
            #"{"lat":1,"lon":2,"accuracy":5,"at":"t\u0"}"#,
            #"{"lat":1,"lon":2,"accuracy":5,"at":"t"} x"#,
        ]
        for fix in refused {
            #expect(LocationRPC.IngestRequest.readPlain(batch(fix)) == nil, "\(fix)")
            #expect(throws: (any Error).self, "\(fix)") { try JSONDecoder().decode(LocationRPC.IngestRequest.self, from: batch(fix)) }
            #expect(throws: (any Error).self, "\(fix)") { try JSON.decode(LocationRPC.IngestRequest.self, from: batch(fix)) }
        }
        // A member it does not know, plain, is skipped by hand as JSONDecoder skips it: an RPC
        // request's caller, a phone's extra field.
        let extra = Data(
            #"{"caller":{"kind":"user","id":"c1","roles":["courier"]},"positions":[{"lat":1,"provider":"gps","lon":2,"accuracy":5,"at":"t"}]}"#
                .utf8)
        let fix = PositionFix(lat: 1, lon: 2, accuracy: 5, at: "t")
        #expect(LocationRPC.IngestRequest.readPlain(extra)?.positions == [fix])
        #expect(try JSONDecoder().decode(LocationRPC.IngestRequest.self, from: extra).positions == [fix])
        // Escapes in a string are read as JSONDecoder reads them.
        let escaped = batch(#"{"lat":1,"lon":2,"accuracy":5,"at":"2026\u002d12\/07 \"x\""}"#)
        #expect(try JSON.decode(LocationRPC.IngestRequest.self, from: escaped).positions[0].at == #"2026-12/07 "x""#)
    }

    @Test func aPlainBatchFrameIsReadByHand() throws {
        let frame = Data(#"{"type":"loc.batch","ref":"r7","positions":[{"lat":31.2,"lon":121.5,"accuracy":5,"speed":null,"at":"t"}]}"#.utf8)
        let batch = try #require(PositionFix.plainBatchFrame(frame))
        #expect(batch.ref == "r7")
        #expect(batch.positions == [PositionFix(lat: 31.2, lon: 121.5, accuracy: 5, at: "t")])
        #expect(
            PositionFix.plainBatchFrame(Data(#"{"positions":[],"type":"loc.batch","ref":null,"app":[1,{"v":2}]}"#.utf8))?.positions.isEmpty
                == true)
        // Anything else goes the way every frame went before, where a wrong field is named.
        for other in [
            #"{"type":"ping","ref":"r1"}"#, #"{"type":"loc.batch","ref":7,"positions":[]}"#, #"{"type":"loc.batch"}"#,
            #"{"type":"loc.batch","positions":[],"extra":"\u0021"}"#, #"{"type":"loc.batch","positions":[{"lat":1}]}"#,
            #"{"type":"loc.batch","positions":[]}]"#, #"[]"#, "",
        ] {
            #expect(PositionFix.plainBatchFrame(Data(other.utf8)) == nil, "\(other)")
        }
    }
}
