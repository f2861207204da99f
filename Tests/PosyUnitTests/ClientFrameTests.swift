import Foundation
import PosySchema
import Testing

@testable import PosyGateway

/// The stream's client frames (docs/protocol.md, "Stream frames from the client"): each type has its
/// fields, and a frame without one is refused naming it before any service hears of it.
@Suite struct ClientFrameTests {
    static func read(_ json: String) -> Result<ClientFrame, PosyError> {
        let data = Data(json.utf8)
        let head = try! JSONDecoder().decode(ClientFrame.Head.self, from: data)
        return Result { () throws(PosyError) in try ClientFrame.read(data, type: head.type) }
    }

    static func error(_ json: String) -> String? {
        if case .failure(let e) = read(json) { return "\(e.code.rawValue) \(e.message)" }
        return nil
    }

    @Test func eachTypeReadsItsOwnFields() throws {
        guard
            case .success(.send(let c, let input)) = Self.read(
                #"{"type":"msg.send","conversationId":"m1-o1","clientMsgId":"a","kind":"text","text":"hi"}"#)
        else {
            Issue.record("msg.send")
            return
        }
        #expect(c == "m1-o1" && input.clientMsgId == "a" && input.text == "hi")
        guard case .success(.read("m1-o1", 7)) = Self.read(#"{"type":"msg.read","conversationId":"m1-o1","seq":7}"#) else {
            Issue.record("msg.read")
            return
        }
        guard
            case .success(.callSignal(_, let signal)) = Self.read(
                #"{"type":"call.signal","conversationId":"m1-o1","callId":"c1","kind":"ice","device":"d","candidate":{"candidate":"x"}}"#)
        else {
            Issue.record("call.signal")
            return
        }
        #expect(signal.kind == .ice && signal.candidate != nil)
        guard
            case .success(.locations(let fixes)) = Self.read(#"{"type":"loc.batch","positions":[{"lat":1,"lon":2,"accuracy":5,"at":"x"}]}"#)
        else {
            Issue.record("loc.batch")
            return
        }
        #expect(fixes.count == 1)
        guard case .success(.ping) = Self.read(#"{"type":"ping","ref":"r1"}"#) else {
            Issue.record("ping")
            return
        }
    }

    @Test func aMissingOrWrongFieldIsNamed() {
        #expect(Self.error(#"{"type":"msg.send","conversationId":"m1-o1","kind":"text"}"#) == "invalid_field clientMsgId: required")
        #expect(Self.error(#"{"type":"msg.read","conversationId":"m1-o1"}"#) == "invalid_field seq: required")
        #expect(Self.error(#"{"type":"msg.read","conversationId":"","seq":1}"#) == "invalid_field conversationId: required")
        #expect(Self.error(#"{"type":"typing"}"#) == "invalid_field conversationId: required")
        #expect(Self.error(#"{"type":"msg.recall","conversationId":"m1-o1","seq":"one"}"#) == "invalid_field seq: not a valid value")
        #expect(Self.error(#"{"type":"loc.batch"}"#) == "invalid_field positions: required")
        #expect(
            Self.error(#"{"type":"call.signal","conversationId":"m1-o1","callId":"c1","kind":"dial","device":"d"}"#)
                == "invalid_field kind: one of \(CallSignal.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        #expect(
            Self.error(#"{"type":"call.signal","conversationId":"m1-o1","kind":"ice","device":"d"}"#) == "invalid_field callId: required")
        #expect(Self.error(#"{"type":"teleport"}"#) == "bad_request unknown frame type 'teleport'")
    }
}
