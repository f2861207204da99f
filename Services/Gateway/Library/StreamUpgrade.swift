import Crypto
import Foundation
import NIOCore
import NIOWebSocket
import PosyAccess
import PosyAuth
import PosySchema

/// The live stream's WebSocket handshake, done by the gateway itself once ``RequestHeadGuard`` and
/// the preflight passed the request: posy-orders is asked whether the session still stands, then
/// the 101 answer goes out and the connection's pipeline becomes the frame codec and one
/// ``StreamConnection`` — no HTTP handlers, no async channel and no task per connection
/// (docs/architecture.md, "Idle costs nothing").
struct StreamUpgrade: Sendable {
    /// RFC 6455 §1.3: the key's answer is SHA-1 of the key and this GUID, in base64.
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    let api: APIContext
    let hub: StreamHub
    let claims: TokenClaims
    let cursor: StreamCursor
    let key: String
    /// `posy.v1` when the client offered it.
    let subprotocol: String?
    /// Its place among the gateway's streams, taken by the preflight; the stream keeps it.
    let slot: StreamSlot

    /// The `Sec-WebSocket-Accept` value for a client's key.
    static func accept(key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + guid).utf8))).base64EncodedString()
    }

    /// The 101 answer.
    func answer() -> ByteBuffer {
        var text =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(Self.accept(key: key))\r\n"
        if let subprotocol { text += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
        return ByteBuffer(string: text + "\r\n")
    }

    /// The connection's handlers after the switch: frames up to the documented 64 KiB, in fragments or
    /// whole (a larger one closes with 1009), then the stream.
    func handlers(channel: any Channel) -> [any ChannelHandler] {
        [
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: StreamFrames.maxFrame)),
            WebSocketFrameEncoder(),
            WebSocketProtocolErrorHandler(),
            StreamConnection(link: StreamLink(channel: channel, api: api, hub: hub, claims: claims, cursor: cursor, slot: slot)),
        ]
    }

    /// The guard's takeover: asks about the session (it may wait on posy-orders), then switches or refuses.
    func begin(_ head: RequestHeadGuard, _ context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((head, context), eventLoop: loop)
        let upgrade = self
        Task {
            var refusal: RequestHeadGuard.Refusal?
            do {
                try await upgrade.api.access.admit(upgrade.claims)
            } catch let e as PosyError {
                refusal = StreamAPI.refusal(e, e.code == .unauthorized ? [("WWW-Authenticate", "Bearer")] : [])
            } catch {
                refusal = StreamAPI.refusal(PosyError(.unavailable, "the session could not be checked; try again shortly"), [])
            }
            let refused = refusal
            loop.execute {
                let (head, context) = bound.value
                guard context.channel.isActive else { return upgrade.slot.release() }
                if let refused {
                    upgrade.slot.release()
                    return head.refuse(context: context, refused)
                }
                do {
                    try head.handOver(context: context, answer: upgrade.answer(), handlers: upgrade.handlers(channel: context.channel))
                } catch {
                    upgrade.slot.release()
                    context.close(promise: nil)
                }
            }
        }
    }
}
