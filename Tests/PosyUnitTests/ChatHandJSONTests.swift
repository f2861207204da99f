import Foundation
import PosyAccess
import Testing

@testable import PosyGateway
@testable import PosySchema

/// Chat's JSON written and read by hand (docs/performance.md, "Posy's own JSON for chat"): the same
/// bytes as Foundation's `JSONEncoder` for any message, and the same values as `JSONDecoder` for any
/// document the hand reader takes — the rest is left to `JSONDecoder`, which answers as before.
@Suite struct ChatHandJSONTests {
    typealias H = HandJSONTests

    static func media(_ rng: inout H.Seeded) -> MessageMedia {
        MessageMedia(
            id: H.text(&rng), kind: MediaKind.allCases.randomElement(using: &rng)!, contentType: H.text(&rng),
            size: Int64.random(in: 0...Int64.max, using: &rng), durationMs: H.maybe(&rng) { Int.random(in: -5...3_600_000, using: &$0) },
            waveform: H.maybe(&rng) { rng in (0..<Int.random(in: 0...4, using: &rng)).map { _ in Int.random(in: 0...100, using: &rng) } })
    }

    static func location(_ rng: inout H.Seeded) -> ChatLocation {
        ChatLocation(lat: H.number(&rng), lon: H.number(&rng), label: H.maybe(&rng, H.text))
    }

    static func card(_ rng: inout H.Seeded) -> JSONValue {
        .object([
            "type": .string(H.text(&rng)), "eta": .number(H.number(&rng)), "late": .bool(Bool.random(using: &rng)), "none": .null,
            "steps": .array([.string(H.text(&rng)), .number(Double(Int.random(in: -9...9, using: &rng)))]),
        ])
    }

    static func message(_ rng: inout H.Seeded) -> ChatMessage {
        var m = ChatMessage(
            conversationId: H.text(&rng), seq: Int64.random(in: Int64.min...Int64.max, using: &rng), senderId: H.text(&rng),
            party: ChatParty.allCases.randomElement(using: &rng)!, clientMsgId: H.maybe(&rng, H.text),
            kind: MessageKind.allCases.randomElement(using: &rng)!, text: H.maybe(&rng, H.text), media: H.maybe(&rng, media),
            location: H.maybe(&rng, location), card: H.maybe(&rng, card), at: H.text(&rng), recalledAt: H.maybe(&rng, H.text))
        m.erasedAt = H.maybe(&rng, H.text)
        return m
    }

    static func input(_ rng: inout H.Seeded) -> MessageInput {
        MessageInput(
            clientMsgId: H.text(&rng), kind: H.text(&rng), text: H.maybe(&rng, H.text), mediaId: H.maybe(&rng, H.text),
            durationMs: H.maybe(&rng) { Int.random(in: Int.min...Int.max, using: &$0) },
            waveform: H.maybe(&rng) { rng in (0..<Int.random(in: 0...3, using: &rng)).map { _ in Int.random(in: 0...100, using: &rng) } },
            location: H.maybe(&rng, location))
    }

    @Test func writesWhatJSONEncoderWrites() throws {
        var rng = H.Seeded(state: 5_20_2026)
        for _ in 0..<2_000 {
            let message = Self.message(&rng)
            #expect(try JSON.encode(message) == H.foundation(message))
            let result = MessagingRPC.SendResult(message: message, duplicate: Bool.random(using: &rng))
            #expect(try JSON.encode(result) == H.foundation(result))
            let request = MessagingRPC.SendRequest(conversationId: H.text(&rng), message: Self.input(&rng))
            #expect(try JSON.encode(request) == H.foundation(request))
        }
    }

    /// What the gateway writes is read back by the shard as JSONDecoder reads it, with the RPC's
    /// caller in it as it travels; by hand unless the message carries a waveform or a location.
    @Test func aSendRequestIsReadAsFoundationReadsIt() throws {
        var rng = H.Seeded(state: 14_02)
        var byHand = 0
        for _ in 0..<1_000 {
            let request = MessagingRPC.SendRequest(conversationId: H.text(&rng), message: Self.input(&rng))
            var text = String(decoding: Viewer.service("gateway").request(try JSON.encode(request)), as: UTF8.self)
            if Bool.random(using: &rng) { text = H.spaced(text) }
            let travelling = Data(text.utf8)
            let foundation = try JSONDecoder().decode(MessagingRPC.SendRequest.self, from: travelling)
            if let plain = MessagingRPC.SendRequest.readPlain(travelling) {
                byHand += 1
                #expect(plain.conversationId == foundation.conversationId && plain.message == foundation.message, "\(text)")
                #expect(request.message.waveform == nil && request.message.location == nil)
            } else {
                #expect(request.message.waveform != nil || request.message.location != nil, "\(text)")
            }
            let ours = try JSON.decode(MessagingRPC.SendRequest.self, from: travelling)
            #expect(ours.conversationId == request.conversationId && ours.message == request.message)
        }
        #expect(byHand > 100)
    }

    /// A message the hand reader does not take is JSONDecoder's to read or to refuse, as before.
    @Test func leavesTheRestToJSONDecoder() throws {
        let documents = [
            #"{"clientMsgId":"a","kind":"text","text":"hi","durationMs":1.5}"#,  // not an integer
            #"{"clientMsgId":"a","kind":"text","durationMs":1e3}"#,
            #"{"clientMsgId":"a","kind":"text","durationMs":99999999999999999999}"#,
            #"{"clientMsgId":"a","kind":"text","durationMs":"5"}"#,
            #"{"clientMsgId":"a","kind":"text","text":5}"#,
            #"{"clientMsgId":null,"kind":"text"}"#,
            #"{"kind":"text","text":"no id"}"#,
            #"{"clientMsgId":"a","kind":"text","text":"one","text":"two"}"#,  // given twice: JSONDecoder's choice
            #"{"clientMsgId":"a","kind":"voice","mediaId":"m","durationMs":900,"waveform":[1,2,3]}"#,
            #"{"clientMsgId":"a","kind":"location","location":{"lat":1,"lon":2}}"#,
            #"{"clientMsgId":"a","kind":"text","text":"hi","extra":"caf\u00e9"}"#,  // unknown and not plain
            #"{"clientMsgId":"a","kind":"text","text":"hi"} x"#,
        ]
        for document in documents {
            let data = Data(document.utf8)
            #expect(MessageInput.readPlain(data) == nil, "\(document)")
            let foundation = Result { try JSONDecoder().decode(MessageInput.self, from: data) }
            let ours = Result { try JSON.decode(MessageInput.self, from: data) }
            switch (foundation, ours) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(document)")
            case (.failure, .failure): break
            default: Issue.record("\(document): JSONDecoder \(foundation), JSON.decode \(ours)")
            }
        }
        // Plain ones, every member a reader may meet: escapes are unescaped as JSONDecoder does.
        let plain = [
            #"{"clientMsgId":"a","kind":"text","text":"line\none \"quoted\" \u82b1","mediaId":null,"durationMs":-0}"#,
            #"{ "kind" : "image" , "mediaId" : "m-1" , "clientMsgId" : "é" , "waveform" : null , "location" : null }"#,
            #"{"clientMsgId":"a","kind":"voice","mediaId":"m","durationMs":9223372036854775807,"caller":{"sub":"c1","role":"customer"}}"#,
        ]
        for document in plain {
            let data = Data(document.utf8)
            let hand = try #require(MessageInput.readPlain(data), "\(document)")
            #expect(hand == (try JSONDecoder().decode(MessageInput.self, from: data)), "\(document)")
        }
    }

    /// The stream's `msg.send` frame read by hand gives what the gateway's frame decoder gives, or
    /// nothing, and the frame is read as before.
    @Test func aSendFrameIsReadAsTheFrameDecoderReadsIt() throws {
        var rng = H.Seeded(state: 77)
        var byHand = 0
        for n in 0..<1_000 {
            let input = Self.input(&rng)
            var object = try #require(try JSONSerialization.jsonObject(with: JSON.encode(input)) as? [String: Any])
            object["type"] = n % 50 == 0 ? "msg.read" : "msg.send"
            object["conversationId"] = n % 40 == 0 ? "" : H.text(&rng)
            if let ref = H.maybe(&rng, H.text) { object["ref"] = ref } else if Bool.random(using: &rng) { object["ref"] = NSNull() }
            var text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            if Bool.random(using: &rng) { text = H.spaced(text) }
            let data = Data(text.utf8)
            let whole = try? JSONDecoder().decode(ClientFrame.Whole.self, from: data)
            guard let hand = MessageInput.plainSendFrame(data) else {
                if case .send = whole?.frame {
                    #expect(input.waveform != nil || input.location != nil, "\(text)")
                }
                continue
            }
            byHand += 1
            guard let whole, case .send(let conversationId, let message) = whole.frame else {
                Issue.record("read by hand, refused by the frame decoder: \(text)")
                continue
            }
            #expect(hand.ref == whole.head.ref && hand.conversationId == conversationId && hand.message == message, "\(text)")
        }
        #expect(byHand > 100)
    }
}
