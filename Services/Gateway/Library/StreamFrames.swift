import Foundation
import PosyAccess
import PosyAuth
import PosySchema

/// Frames a client sends on `GET /v1/stream` and the reply each gets. Every frame is a
/// JSON object with a `type` and an optional `ref` the reply echoes:
///
/// - `msg.send` `{conversationId, clientMsgId, kind, text?, mediaId?, durationMs?, waveform?, location?}`
/// - `msg.read` / `msg.delivered` `{conversationId, seq}`
/// - `msg.recall` `{conversationId, seq}`
/// - `typing` `{conversationId}`
/// - `call.signal` `{conversationId, callId, kind, device, sdp?, candidate?, reason?}` (a video call's step)
/// - `loc.batch` `{positions: [PositionFix]}` (couriers; a frame is at most 64 KiB, about 600 points)
/// - `ping`
///
/// Reply: `{"type":"reply","ref":…,"for":<type>,"ok":true,"data":{…}}` or
/// `{"type":"reply","ref":…,"for":<type>,"ok":false,"error":{"code","message"}}`.
enum StreamFrames {
    struct Inbound: Decodable {
        var type: String
        var ref: String?
        var conversationId: String?
        var clientMsgId: String?
        var kind: String?
        var text: String?
        var mediaId: String?
        var durationMs: Int?
        var waveform: [Int]?
        var location: ChatLocation?
        var seq: Int64?
        var positions: [PositionFix]?
        var callId: String?
        var device: String?
        var sdp: String?
        var candidate: JSONValue?
        var reason: String?
    }

    static let maxFrame = 64 * 1024

    /// The reply to one client frame.
    static func handle(_ text: String, claims: TokenClaims, chat: ChatGateway) async -> String {
        guard let frame = try? JSON.decode(Inbound.self, from: Data(text.utf8)) else {
            return reply(nil, for: "?", error: PosyError(.badRequest, "a frame is a JSON object with a type"))
        }
        do {
            if let wait = chat.api.limiter.check("\(claims.role.rawValue):\(claims.sub):\(claims.order ?? "")") {
                throw PosyError(.rateLimited, "too many frames for this token; retry after \(Int(wait.rounded(.up))) s")
            }
            return reply(frame.ref, for: frame.type, data: try await dispatch(frame, caller: Viewer.caller(claims), chat: chat))
        } catch let e as PosyError {
            return reply(frame.ref, for: frame.type, error: e)
        } catch {
            return reply(frame.ref, for: frame.type, error: PosyError(.internal, "internal error"))
        }
    }

    static func dispatch(_ f: Inbound, caller: RPCCaller, chat: ChatGateway) async throws -> Data {
        func conversation() throws -> String {
            guard let id = f.conversationId, !id.isEmpty else { throw PosyError(.invalidField, "conversationId: required") }
            return id
        }
        func seq() throws -> Int64 {
            guard let s = f.seq else { throw PosyError(.invalidField, "seq: required") }
            return s
        }
        switch f.type {
        case StreamFrameType.messageSend:
            let input = MessageInput(
                clientMsgId: f.clientMsgId ?? "", kind: f.kind ?? "", text: f.text, mediaId: f.mediaId,
                durationMs: f.durationMs, waveform: f.waveform, location: f.location)
            return try await chat.send(caller, try conversation(), input)
        case StreamFrameType.messageRead: return try await chat.ack(caller, try conversation(), read: try seq(), delivered: nil)
        case StreamFrameType.messageDelivered: return try await chat.ack(caller, try conversation(), read: nil, delivered: try seq())
        case StreamFrameType.messageRecall: return try await chat.recall(caller, try conversation(), seq: try seq())
        case StreamFrameType.typing: return try await chat.typing(caller, try conversation())
        case StreamFrameType.callSignal:
            guard let kind = f.kind.flatMap(CallSignal.Kind.init(rawValue:)) else {
                throw PosyError(.invalidField, "kind: one of \(CallSignal.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let signal = CallSignal(
                callId: f.callId ?? "", kind: kind, device: f.device ?? "", sdp: f.sdp, candidate: f.candidate, reason: f.reason)
            return try await chat.callSignal(caller, try conversation(), signal)
        case StreamFrameType.locationBatch: return try await LocationAPI.ingest(chat.api, caller: caller, positions: f.positions ?? [])
        case StreamFrameType.ping: return Data("{}".utf8)
        default: throw PosyError(.badRequest, "unknown frame type '\(f.type.prefix(40))'")
        }
    }

    static func reply(_ ref: String?, for type: String, data: Data) -> String {
        "{\"type\":\"reply\",\"ref\":\(ref.map(JSON.quoted) ?? "null"),\"for\":\(JSON.quoted(type)),\"ok\":true,\"data\":"
            + String(decoding: data, as: UTF8.self) + "}"
    }

    static func reply(_ ref: String?, for type: String, error: PosyError) -> String {
        "{\"type\":\"reply\",\"ref\":\(ref.map(JSON.quoted) ?? "null"),\"for\":\(JSON.quoted(String(type.prefix(40)))),\"ok\":false,\"error\":"
            + String(decoding: JSON.encodeOrEmpty(error), as: UTF8.self) + "}"
    }
}
