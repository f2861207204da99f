import Foundation
import PosySchema
import Testing

@Suite struct SchemaTests {
    /// A record id is its prefix and lower-case hex digits, as many as asked (at most a UUID's 32),
    /// never the same twice; the shared coders give sorted keys and unescaped slashes from any thread.
    @Test func recordIdsAndTheSharedCoders() async throws {
        let hexDigits = Set("0123456789abcdef")
        for length in [0, 1, 16, 32, 40] {
            let id = RecordID.make("pf", length: length)
            #expect(id.hasPrefix("pf"))
            #expect(id.count == 2 + min(length, 32))
            #expect(id.dropFirst(2).allSatisfy { hexDigits.contains($0) })
        }
        let ids = Set((0..<10_000).map { _ in RecordID.make("o") })
        #expect(ids.count == 10_000)
        // Every nibble turns up: the digits come from the whole of each byte.
        #expect(Set(ids.joined().filter { $0 != "o" }) == hexDigits)

        struct Sample: Codable, Equatable {
            var z: Int
            var a: String
        }
        let encoded = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<64 { group.addTask { String(decoding: try JSON.encode(Sample(z: i, a: "a/b")), as: UTF8.self) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(encoded) == Set((0..<64).map { #"{"a":"a/b","z":\#($0)}"# }))
        #expect(try JSON.decode(Sample.self, from: Data(encoded[0].utf8)).a == "a/b")
    }

    @Test func envelopeRoundTrips() throws {
        let e = Envelope(
            src: "orders", epoch: "ab12", seq: 42, type: "order.created", at: "2026-11-24T20:15:03.042Z",
            trace: "t-1", data: Data(#"{"id":"o1","items":[1,2,{"x":null}],"ok":true,"n":-1.5e3}"#.utf8))
        let decoded = try EnvelopeCodec.decode(EnvelopeCodec.encode(e))
        #expect(decoded == e)
        // What we write is plain JSON any peer can parse.
        let object = try JSONSerialization.jsonObject(with: EnvelopeCodec.encode(e)) as? [String: Any]
        #expect(object?["seq"] as? Int == 42)
        #expect((object?["data"] as? [String: Any])?["id"] as? String == "o1")
    }

    @Test func decodesAnyKeyOrderUnknownKeysAndEscapes() throws {
        let text =
            #"{ "data": {"a": "x\"y"}, "future": [1, {"k": "v"}], "type": "msg.created", "seq": 7, "src": "messaging-2", "epoch": "e", "v": 1, "at": "2026-01-01T00:00:00.000Z", "trace": "caf\u00e9 \n" }"#
        let e = try EnvelopeCodec.decode(Data(text.utf8))
        #expect(e.src == "messaging-2")
        #expect(e.seq == 7)
        #expect(e.trace == "café \n")
        #expect(String(decoding: e.data, as: UTF8.self) == #"{"a": "x\"y"}"#)
        // Strings with characters that need escaping survive a round trip.
        var tricky = e
        tricky.src = "a\"b\\c\td\u{1}"
        #expect(try EnvelopeCodec.decode(EnvelopeCodec.encode(tricky)).src == tricky.src)
        // Beyond ASCII with nothing to escape is copied whole, and still reads back (here and in any JSON parser).
        tricky.trace = "café 花店"
        #expect(try EnvelopeCodec.decode(EnvelopeCodec.encode(tricky)).trace == "café 花店")
        let parsed = try JSONSerialization.jsonObject(with: EnvelopeCodec.encode(tricky)) as? [String: Any]
        #expect(parsed?["src"] as? String == tricky.src && parsed?["trace"] as? String == "café 花店")
    }

    @Test(arguments: [
        "", "not json", "[]", "{}", #"{"v":1}"#,
        #"{"v":2,"src":"a","epoch":"e","seq":1,"type":"t","data":{}}"#,
        #"{"v":1,"src":"","epoch":"e","seq":1,"type":"t","data":{}}"#,
        #"{"v":1,"src":"a","epoch":"e","seq":-1,"type":"t","data":{}}"#,
        #"{"v":1,"src":"a","epoch":"","seq":3,"type":"t","data":{}}"#,
        #"{"v":1,"src":"a","epoch":"e","seq":1.5,"type":"t","data":{}}"#,
        #"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":{"x":}}"#,
        #"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":{}} trailing"#,
        #"{"v":1,"src":"a","epoch":"e","seq":99999999999999999999,"type":"t","data":{}}"#,
        #"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":"unterminated}"#,
    ])
    func rejectsInvalidEnvelopes(_ text: String) {
        #expect(throws: SchemaError.self) { try EnvelopeCodec.decode(Data(text.utf8)) }
    }

    /// The bus's gate reads only an envelope's header, by the same rules as a full read: whatever
    /// one refuses the other refuses, and what both read agrees.
    @Test func aHeaderIsCheckedAsTheWholeEnvelopeIs() throws {
        func text(_ s: String) -> [UInt8] { Array(s.utf8) }
        let notUTF8: [UInt8] = [0xC3, 0x28]
        let cases: [[UInt8]] = [
            text(
                #"{"v":1,"src":"orders","epoch":"e1","seq":4,"pos":9,"type":"order.created","at":"2026-02-14T08:00:00.000Z","trace":"t","data":{"id":"o1"}}"#
            ),
            text(#"{"data":{"src":"forged"},"type":"to.u1.","seq":0,"src":"messaging-2","epoch":"","v":1}"#),
            text(#"{"v":1,"s\u0072c":"orders","epoch":"e","seq":1,"type":"t","trace":"caf\u00e9","data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","at":"café 花店","data":[1,2]}"#),
            text(#"{"v":1,"src":"a","epoch":"","seq":1,"type":"t","data":{}}"#),
            text(#"{"v":1,"src":"a","seq":1,"type":"t","data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","epoch":"e","seq":1,"type":"t","data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","trace":"\x","data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","trace":"\u12","data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","at":"unterminated,"data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":{"n":01}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":0,"pos":3,"type":"t","data":{}}"#),
            text(#"{"v":2,"src":"a","epoch":"e","seq":1,"type":"t","data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":{}} x"#),
            text(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","trace":""#) + notUTF8 + text(#"","data":{}}"#),
            text(#"{"v":1,"src":"a","epoch":""#) + notUTF8 + text(#"","seq":1,"type":"t","data":{}}"#),
        ]
        var accepted = 0
        for bytes in cases {
            let full = bytes.withUnsafeBytes { try? EnvelopeCodec.decode($0) }
            let header = bytes.withUnsafeBytes { try? EnvelopeCodec.header($0) }
            #expect(header == full?.header, "\(String(decoding: bytes, as: UTF8.self))")
            if header != nil { accepted += 1 }
        }
        #expect(accepted == 4, "the four good envelopes above, and only they")
        let forged = try #require(cases[1].withUnsafeBytes { try? EnvelopeCodec.header($0) })
        #expect(forged == EnvelopeHeader(src: "messaging-2", type: "to.u1.", seq: 0), "a src inside data is not the envelope's")
    }

    /// The same, over thousands of envelopes broken at random (a fixed seed, so every run reads the
    /// same ones): a byte changed, dropped, doubled or swapped for a quote, a backslash, a brace or a
    /// byte beyond ASCII.
    @Test func aHeaderAgreesWithTheWholeEnvelopeOnBrokenOnes() {
        let seeds = [
            #"{"v":1,"src":"orders","epoch":"9f0c","seq":42,"pos":317,"type":"order.created","at":"2026-11-24T20:15:03.042Z","trace":"req-7","data":{"id":"o1","n":[1,2.5,-3e2],"ok":true,"x":null}}"#,
            #"{"data":{"text":"caf\u00e9 \"花\""},"trace":"","at":"","type":"to.u1.","seq":0,"src":"messaging-2","epoch":"","v":1,"req":2}"#,
        ]
        var rng = HandJSONTests.Seeded(state: 0x5EED)
        let specials: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x3A, 0x2C, 0x30, 0xC3, 0xFF, 0x00, 0x20]
        var agreed = 0
        var accepted = 0
        for round in 0..<4_000 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            for _ in 0...(rng.next() % 3) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: bytes[at] = specials[Int(rng.next() % UInt64(specials.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(bytes[at], at: at)
                default: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            let full = bytes.withUnsafeBytes { try? EnvelopeCodec.decode($0) }
            let header = bytes.withUnsafeBytes { try? EnvelopeCodec.header($0) }
            if header == full?.header { agreed += 1 } else { Issue.record("disagree on \(String(decoding: bytes, as: UTF8.self))") }
            if header != nil { accepted += 1 }
        }
        #expect(agreed == 4_000)
        // Some of the broken ones still are envelopes (a changed letter in a string): both readers took those alike.
        #expect(accepted > 100 && accepted < 3_000, "\(accepted) accepted")
    }

    /// docs/protocol.md, "Versions and upgrades": what an event needs of its reader travels with it,
    /// unknown members are ignored, and a newer envelope format is refused as such.
    @Test func anEventSaysTheProtocolItNeedsAndANewerFormatIsRefusedAsOne() throws {
        var e = Envelope(src: "orders", epoch: "ab", seq: 3, type: "order.placed", at: "2026-02-14T08:00:00.000Z")
        #expect(!String(decoding: EnvelopeCodec.encode(e), as: UTF8.self).contains("req"), "req 1 is written as nothing")
        e.req = 2
        let written = EnvelopeCodec.encode(e)
        #expect(String(decoding: written, as: UTF8.self).contains(#""req":2"#))
        #expect(try EnvelopeCodec.decode(written).req == 2)
        #expect(try EnvelopeCodec.decode(Data(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":{}}"#.utf8)).req == 1)
        for bad in [
            #"{"v":1,"req":0,"src":"a","epoch":"e","seq":1,"type":"t","data":{}}"#,
            #"{"v":1,"req":2,"req":2,"src":"a","epoch":"e","seq":1,"type":"t"}"#,
        ] {
            #expect(throws: SchemaError.self) { try EnvelopeCodec.decode(Data(bad.utf8)) }
        }
        do {
            _ = try EnvelopeCodec.decode(Data(#"{"v":2,"src":"orders","epoch":"e","seq":1,"type":"t","data":{}}"#.utf8))
            Issue.record("a newer envelope format was read")
        } catch let error as SchemaError {
            #expect(error.code == .upgradeRequired && error.message.contains("from orders"), "\(error)")
        }
        // A heartbeat from before protocols were said, and one from the future with fields unknown here.
        let old =
            #"{"v":1,"service":"orders","instance":"orders","version":"0.1.0","rpc":"","epoch":"e","pid":1,"startedAt":"x","heads":{}}"#
        #expect(try JSON.decode(Heartbeat.self, from: Data(old.utf8)).protocol == nil)
        let next =
            #"{"v":1,"service":"orders","instance":"orders","version":"0.2.0","protocol":2,"rpc":"","epoch":"e","pid":1,"startedAt":"x","heads":{},"later":{"a":[1]}}"#
        #expect(try JSON.decode(Heartbeat.self, from: Data(next.utf8)).protocol == 2)
    }

    /// Numbers in an envelope's data are read by JSON's grammar, as any peer's parser reads them.
    @Test func numbersFollowJSONsGrammar() throws {
        func envelope(_ number: String) -> Data {
            Data(#"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":{"n":\#(number)}}"#.utf8)
        }
        for good in ["0", "-0", "7", "-12", "0.5", "-0.5e+3", "1E9", "2e-7", "10", "123456789012345678901234567890"] {
            #expect(throws: Never.self, "\(good)") { try EnvelopeCodec.decode(envelope(good)) }
            #expect((try? JSONSerialization.jsonObject(with: envelope(good))) != nil, "\(good)")
        }
        for bad in ["01", "-01", "1.", "-", "1e", "1e+", "--1", "+1", ".5", "1.e3", "0x10", "1..2"] {
            #expect(throws: SchemaError.self, "\(bad)") { try EnvelopeCodec.decode(envelope(bad)) }
        }
    }

    /// A field's name is the same name however it is written: escaped, it still counts (and twice
    /// is still refused); a name or value that is not UTF-8 is refused.
    @Test func fieldNamesAreReadAsJSONReadsThem() throws {
        let escaped = try EnvelopeCodec.decode(
            Data(#"{"v":1,"s\u0072c":"orders","epoch":"e","seq":1,"\u0074ype":"t","data":{}}"#.utf8))
        #expect(escaped.src == "orders" && escaped.type == "t")
        let twice = Data(#"{"v":1,"src":"cli","s\u0072c":"orders","epoch":"","seq":0,"type":"x","data":{}}"#.utf8)
        #expect(throws: SchemaError.self) { try EnvelopeCodec.decode(twice) }
        let unknown = try EnvelopeCodec.decode(Data(#"{"v":1,"sr":"x","srcs":"y","src":"a","epoch":"","seq":0,"type":"t"}"#.utf8))
        #expect(unknown.src == "a")
        var invalidName = Data(#"{"v":1,"src":"a","epoch":"","seq":0,"type":"t","#.utf8)
        invalidName += [0x22, 0xC3, 0x28, 0x22] + Data(#":1}"#.utf8)
        #expect(throws: SchemaError.self) { try EnvelopeCodec.decode(invalidName) }
        var invalidValue = Data(#"{"v":1,"epoch":"","seq":0,"type":"t","src":"#.utf8)
        invalidValue += [0x22, 0x61, 0xFF, 0x22] + Data("}".utf8)
        #expect(throws: SchemaError.self) { try EnvelopeCodec.decode(invalidValue) }
        // Beyond ASCII and valid, in a name and in a value.
        let wide = try EnvelopeCodec.decode(Data(#"{"v":1,"src":"花店","epoch":"","seq":0,"type":"t","名":1}"#.utf8))
        #expect(wide.src == "花店")
    }

    @Test func rejectsDeepNestingWithoutCrashing() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let text = #"{"v":1,"src":"a","epoch":"e","seq":1,"type":"t","data":"# + deep + "}"
        #expect(throws: SchemaError.self) { try EnvelopeCodec.decode(Data(text.utf8)) }
    }

    @Test func ephemeralEnvelopeHasSeqZero() throws {
        let e = try Envelope.make(src: "location", epoch: "", seq: 0, type: "loc.update", payload: ["lat": 52.5])
        let d = try EnvelopeCodec.decode(EnvelopeCodec.encode(e))
        #expect(!d.isDurable)
        #expect(try d.decode([String: Double].self)["lat"] == 52.5)
    }

    @Test func replayBatchRoundTrips() throws {
        let events = (1...3).map {
            Envelope(src: "orders", epoch: "e1", seq: Int64($0), type: "order.created", data: Data("{\"n\":\($0)}".utf8))
        }
        let batch = ReplayBatch(epoch: "e1", head: 9, events: events)
        let decoded = try ReplayBatch.decode(batch.encoded())
        #expect(decoded == batch)
        #expect(try ReplayBatch.decode(ReplayBatch(epoch: "e1", head: 0, events: []).encoded()).events.isEmpty)
    }

    @Test func typedPayloadsRoundTrip() throws {
        let hb = Heartbeat(
            service: "messaging", instance: "messaging-2", version: "0.1.0", rpc: "tcp://127.0.0.1:7122",
            shard: 2, epoch: "e", pid: 7, startedAt: Timestamp.now(), heads: ["sys.probe.ack": 3])
        #expect(try JSON.decode(Heartbeat.self, from: JSON.encode(hb)) == hb)
        let ack = ProbeAck(probeId: "p", instance: "orders", appliedCount: 1, appliedAt: Timestamp.now())
        #expect(try JSON.decode(ProbeAck.self, from: JSON.encode(ack)) == ack)
        let request = ReplayRequest(topic: "order.created", epoch: "e", after: 10, limit: 5)
        #expect(try JSON.decode(ReplayRequest.self, from: JSON.encode(request)) == request)
        let error = PosyError(.unknownMethod, "nope")
        let text = String(decoding: try JSON.encode(error), as: UTF8.self)
        #expect(text.contains(#""code":"unknown_method""#))
    }

    @Test func timestampsAreRFC3339Milliseconds() throws {
        let date = Date(timeIntervalSince1970: 1_795_638_903.042)
        let text = Timestamp.format(date)
        #expect(text == "2026-11-25T20:35:03.042Z")
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.001)
        // Padding, a leap day, the epoch, before it (the millisecond floors), far years.
        for (seconds, expected) in [
            (0.0, "1970-01-01T00:00:00.000Z"), (1_709_164_805.007, "2024-02-29T00:00:05.007Z"),
            (-0.25, "1969-12-31T23:59:59.750Z"), (-86_401.5, "1969-12-30T23:59:58.500Z"),
            (253_402_300_799.999, "9999-12-31T23:59:59.999Z"), (-62_135_596_800, "0001-01-01T00:00:00.000Z"),
        ] {
            #expect(Timestamp.format(Date(timeIntervalSince1970: seconds)) == expected, "\(seconds)")
        }
        // RFC 3339 as clients write it: no fraction, offsets, lower case.
        let ten = Date(timeIntervalSince1970: 1_778_407_200)  // 2026-05-10T10:00:00Z
        for same in [
            "2026-05-10T10:00:00Z", "2026-05-10T10:00:00.000Z", "2026-05-10T12:00:00+02:00",
            "2026-05-10T05:30:00-04:30", "2026-05-10t10:00:00z",
        ] {
            #expect(Timestamp.parse(same) == ten, "\(same)")
        }
        #expect(Timestamp.parse("2026-05-10T10:00:00.5Z") == ten.addingTimeInterval(0.5))
        for bad in [
            "", "2026-05-10", "2026-05-10T10:00:00", "2026-05-10T10:00Z", "2026-02-31T10:00:00Z",
            "2026-13-01T10:00:00Z", "2026-05-10T24:00:00Z", "2026-05-10T10:00:00.Z", "2026-05-10T10:00:00Zjunk",
            "2026-05-10T10:00:00+0200", "tomorrow at ten o'clock please",
        ] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func userTopicsDoNotPrefixEachOther() {
        #expect(!Topic.user("u12").hasPrefix(Topic.user("u1")))
        #expect(Topic.isValid("order.created"))
        #expect(!Topic.isValid("has space"))
        #expect(!Topic.isValid(""))
    }

    @Test func everyErrorCodeMapsToAnHTTPStatus() {
        for code in ErrorCode.allCases { #expect((400...599).contains(code.httpStatus)) }
    }
}
