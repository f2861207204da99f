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
    static let maxFrame = 64 * 1024

    /// The reply to one client frame.
    static func handle(_ text: String, claims: TokenClaims, chat: ChatGateway) async -> String {
        let json = Data(text.utf8)
        // A good frame is decoded once, head and body together; only a refused one is read again,
        // for its head and then for the error that names its wrong field.
        let head: ClientFrame.Head
        let frame: Result<ClientFrame, PosyError>
        if let batch = PositionFix.plainBatchFrame(json) {
            // A courier's positions, the stream's most frequent frame, read by hand.
            (head, frame) = (ClientFrame.Head(type: StreamFrameType.locationBatch, ref: batch.ref), .success(.locations(batch.positions)))
        } else if let send = MessageInput.plainSendFrame(json) {
            // A chat message, the stream's most frequent frame after positions.
            (head, frame) = (
                ClientFrame.Head(type: StreamFrameType.messageSend, ref: send.ref),
                .success(.send(conversationId: send.conversationId, send.message))
            )
        } else if let whole = try? JSON.decode(ClientFrame.Whole.self, from: json) {
            (head, frame) = (whole.head, .success(whole.frame))
        } else {
            guard let h = try? JSON.decode(ClientFrame.Head.self, from: json) else {
                return reply(nil, for: "?", error: PosyError(.badRequest, "a frame is a JSON object with a type"))
            }
            head = h
            frame = Result { () throws(PosyError) in try ClientFrame.read(json, type: h.type) }
        }
        do {
            if let wait = chat.api.limiter.check(RateLimiter.key(claims)) {
                throw PosyError(.rateLimited, "too many frames for this token; retry after \(Int(wait.rounded(.up))) s")
            }
            return reply(head.ref, for: head.type, data: try await dispatch(frame.get(), viewer: Viewer(claims), chat: chat))
        } catch let e as PosyError {
            return reply(head.ref, for: head.type, error: e)
        } catch {
            return reply(head.ref, for: head.type, error: PosyError(.internal, "internal error"))
        }
    }

    static func dispatch(_ frame: ClientFrame, viewer: Viewer, chat: ChatGateway) async throws -> Data {
        switch frame {
        case .send(let conversation, let input): try await chat.send(viewer, conversation, input)
        case .read(let conversation, let seq): try await chat.ack(viewer, conversation, read: seq, delivered: nil)
        case .delivered(let conversation, let seq): try await chat.ack(viewer, conversation, read: nil, delivered: seq)
        case .recall(let conversation, let seq): try await chat.recall(viewer, conversation, seq: seq)
        case .typing(let conversation): try await chat.typing(viewer, conversation)
        case .callSignal(let conversation, let signal): try await chat.callSignal(viewer, conversation, signal)
        case .locations(let positions): try await LocationAPI.ingest(chat.api, viewer: viewer, positions: positions)
        case .ping: Data("{}".utf8)
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
