import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import PosyCore
import PosySchema

/// One device of a benchmark: a WebSocket on `/v1/stream` that sends text frames and hands every
/// received text frame to `onFrame` on the connection's event loop (keep it cheap).
///
/// Frames are read by a channel handler, not by a task per connection: a driver of `posy bench
/// peak` holds 12,000 streams, and a task woken for every frame cost it a thread hand-off per
/// frame — the drivers' share of the machine is what the suite does not get
/// (docs/performance.md, "A city's peak hour").
final class BenchChatClient: Sendable {
    private let channel = Locked<(any Channel)?>(nil)
    /// Why the stream ended, as first seen: the gateway's close frame, an error, or the connection gone.
    private let ended = Locked<String?>(nil)
    let ready: AsyncStream<Void>

    init(host: String = "127.0.0.1", port: Int, token: String, onFrame: @escaping @Sendable (String) -> Void) {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        self.ready = ready
        let slot = channel
        let ended = self.ended
        let note: @Sendable (String) -> Void = { why in ended.withLock { if $0 == nil { $0 = why } } }
        let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 20, automaticErrorHandling: true) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers([
                    NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1_024, maxAccumulatedFrameSize: 1 << 20),
                    Frames(onFrame: onFrame, ready: readyContinuation, ended: note),
                ])
            }
        }
        let connected = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let request = UpgradeRequest(host: host, port: port, token: token)
                    let bound = NIOLoopBound(request, eventLoop: channel.eventLoop)
                    // The stream's first frame may come in the same read as the upgrade's answer.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in context.pipeline.syncOperations.removeHandler(bound.value, promise: nil) }
                        ))
                    try channel.pipeline.syncOperations.addHandler(request)
                }
            }
            .connect(host: host, port: port)
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                slot.withLock { $0 = channel }
                channel.closeFuture.whenComplete { _ in readyContinuation.finish() }
            case .failure:
                readyContinuation.finish()
            }
        }
    }

    /// Sends a text frame; waits only while the socket is not taking more.
    func send(_ text: String) async throws {
        guard let channel = channel.value, channel.isActive else {
            throw BenchStreamClosed(why: ended.value ?? "it never opened")
        }
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(string: text))
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(frame, promise: written)
        if !channel.isWritable { try await written.futureResult.get() }
    }

    func close() async {
        guard let channel = channel.value else { return }
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    /// Asks for the upgrade once connected; a refusal (any answer but 101) closes the connection.
    private final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart

        let host: String
        let port: Int
        let token: String

        init(host: String, port: Int, token: String) {
            self.host = host
            self.port = port
            self.token = token
        }

        func channelActive(context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "\(host):\(port)")
            headers.add(name: "Authorization", value: "Bearer \(token)")
            headers.add(name: "Content-Length", value: "0")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/stream", headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            // Only a refused upgrade's answer reaches here.
            context.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    /// The upgraded connection: text frames to `onFrame`, pings answered, a close answered and ended.
    private final class Frames: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame

        let onFrame: @Sendable (String) -> Void
        let ready: AsyncStream<Void>.Continuation
        let ended: @Sendable (String) -> Void

        init(
            onFrame: @escaping @Sendable (String) -> Void, ready: AsyncStream<Void>.Continuation,
            ended: @escaping @Sendable (String) -> Void
        ) {
            self.onFrame = onFrame
            self.ready = ready
            self.ended = ended
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            switch frame.opcode {
            case .text:
                let text = String(buffer: frame.unmaskedData)
                if text.hasPrefix(#"{"type":"\#(StreamControlType.open)""#) { ready.yield() }
                onFrame(text)
            case .ping:
                let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            case .connectionClose:
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode().map { "\($0)" } ?? "no code"
                ended("the gateway closed it: \(code) \(data.readString(length: data.readableBytes) ?? "")")
                let reply = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: frame.unmaskedData)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
            default:
                break
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            ended("the connection was closed without a close frame")
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            ended("\(error)")
            context.close(promise: nil)
        }
    }
}
