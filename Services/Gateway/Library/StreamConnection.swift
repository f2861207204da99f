import NIOCore
import NIOWebSocket

/// The last handler of a live stream's pipeline (``StreamUpgrade``): starts and ends its
/// ``StreamLink`` with the connection, and reads the client's frames — text messages (whole or in
/// fragments) to answer, pings, and the close handshake. A message over 64 KiB closes with 1009 (a
/// single frame that large never gets here), one that is not UTF-8 with 1007, an unmasked frame or
/// a fragment out of turn with 1002 (RFC 6455 §5.1, §5.4).
final class StreamConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let link: StreamLink
    /// The fragments of a message so far (opcode of its first frame, unmasked bytes); nil between messages.
    private var fragments: (opcode: WebSocketOpcode, data: ByteBuffer)?

    init(link: StreamLink) { self.link = link }

    func handlerAdded(context: ChannelHandlerContext) {
        link.start()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        link.finish()
    }

    func channelInactive(context: ChannelHandlerContext) {
        link.finish()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil else { return refuse(context: context, .protocolError) }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return refuse(context: context, .protocolError) }
            if frame.fin { return message(context: context, frame.opcode, frame.unmaskedData) }
            fragments = (frame.opcode, frame.unmaskedData)
        case .continuation:
            guard let (opcode, _) = fragments, var data = fragments?.data else { return refuse(context: context, .protocolError) }
            fragments = nil
            var more = frame.unmaskedData
            guard data.readableBytes + more.readableBytes <= StreamFrames.maxFrame else {
                return refuse(context: context, .messageTooLarge)
            }
            data.writeBuffer(&more)
            if frame.fin { return message(context: context, opcode, data) }
            fragments = (opcode, data)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            if link.isClosing { return context.close(promise: nil) }
            // The client's close: answered with its code, then the connection ends.
            var code = frame.unmaskedData
            let answer = context.channel.allocator.buffer(bytes: code.readBytes(length: min(2, code.readableBytes)) ?? [])
            let bound = context.loopBound
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: answer))).whenComplete { _ in
                bound.value.close(promise: nil)
            }
        default:
            break  // pongs answer nothing sent
        }
    }

    /// A whole message: text goes to the link; binary carries nothing for the stream.
    private func message(context: ChannelHandlerContext, _ opcode: WebSocketOpcode, _ payload: ByteBuffer) {
        guard opcode == .text else { return }
        guard let text = String(validating: payload.readableBytesView, as: UTF8.self) else {
            return refuse(context: context, .dataInconsistentWithMessage)
        }
        if link.received(text) { try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A protocol error was answered by WebSocketProtocolErrorHandler; anything else (a reset) ends it too.
        if !(error is NIOWebSocketError) { context.close(promise: nil) }
    }

    private func refuse(context: ChannelHandlerContext, _ code: WebSocketErrorCode) {
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let bound = context.loopBound
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }
}
