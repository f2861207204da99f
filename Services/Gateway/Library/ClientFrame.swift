import Foundation
import PosySchema

/// A frame a client sends on `GET /v1/stream` (docs/protocol.md, "Stream frames from the client"):
/// one case per frame type, each with the fields that type has. A frame that lacks one, or whose
/// field is of the wrong kind, is refused naming the field before anything is asked of a service.
enum ClientFrame: Decodable, Sendable {
    case send(conversationId: String, MessageInput)
    case read(conversationId: String, seq: Int64)
    case delivered(conversationId: String, seq: Int64)
    case recall(conversationId: String, seq: Int64)
    case typing(conversationId: String)
    case callSignal(conversationId: String, CallSignal)
    case locations([PositionFix])
    case ping

    /// What every frame has, read first so that even a refused frame is answered for its `ref`.
    struct Head: Decodable {
        var type: String
        var ref: String?
    }

    /// A frame's head and body from one decoding.
    struct Whole: Decodable {
        var head: Head
        var frame: ClientFrame

        init(from decoder: any Decoder) throws {
            head = try Head(from: decoder)
            frame = try ClientFrame(from: decoder)
        }
    }

    enum Key: String, CodingKey {
        case type, conversationId, seq, positions
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let type = try c.decode(String.self, forKey: .type)
        func conversation() throws -> String {
            let id = try c.decode(String.self, forKey: .conversationId)
            guard !id.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .conversationId, in: c, debugDescription: "required")
            }
            return id
        }
        switch type {
        case StreamFrameType.messageSend: self = .send(conversationId: try conversation(), try MessageInput(from: decoder))
        case StreamFrameType.messageRead: self = .read(conversationId: try conversation(), seq: try c.decode(Int64.self, forKey: .seq))
        case StreamFrameType.messageDelivered:
            self = .delivered(conversationId: try conversation(), seq: try c.decode(Int64.self, forKey: .seq))
        case StreamFrameType.messageRecall: self = .recall(conversationId: try conversation(), seq: try c.decode(Int64.self, forKey: .seq))
        case StreamFrameType.typing: self = .typing(conversationId: try conversation())
        case StreamFrameType.callSignal: self = .callSignal(conversationId: try conversation(), try CallSignal(from: decoder))
        case StreamFrameType.locationBatch: self = .locations(try c.decode([PositionFix].self, forKey: .positions))
        case StreamFrameType.ping: self = .ping
        default: throw PosyError(.badRequest, "unknown frame type '\(type.prefix(40))'")
        }
    }

    /// A frame of `type` (its ``Head``'s) as JSON text, or the error that says which field is wrong.
    static func read(_ json: Data, type: String) throws(PosyError) -> ClientFrame {
        do {
            return try JSONDecoder().decode(ClientFrame.self, from: json)
        } catch let e as PosyError {
            throw e
        } catch let DecodingError.keyNotFound(key, _) {
            throw PosyError(.invalidField, "\(key.stringValue): required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            throw PosyError(.invalidField, "\(Self.path(context)): \(Self.why(context, type: type))")
        } catch {
            throw PosyError(.badRequest, "a frame is a JSON object with a type")
        }
    }

    static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// What is wrong with the field `context` names; for a call step's kind, which kinds there are.
    static func why(_ context: DecodingError.Context, type: String) -> String {
        if type == StreamFrameType.callSignal, context.codingPath.count == 1, context.codingPath.last?.stringValue == "kind" {
            return "one of \(CallSignal.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        return context.debugDescription == "required" ? "required" : "not a valid value"
    }
}
