import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import PosyCore
import PosySchema

/// One chat device of `posy bench chat`: a WebSocket on `/v1/stream` that sends frames and hands
/// every received text frame to `onFrame` (on the connection's task; keep it cheap).
final class BenchChatClient: Sendable {
    private let writer = Locked<WebSocketOutboundWriter?>(nil)
    private let task: Task<Void, Never>
    let ready: AsyncStream<Void>

    init(host: String = "127.0.0.1", port: Int, token: String, onFrame: @escaping @Sendable (String) -> Void) {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let writer = self.writer
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        self.ready = ready
        task = Task {
            _ = try? await WebSocketClient.connect(
                url: "ws://\(host):\(port)/v1/stream", configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers),
                logger: Logger(label: "bench.chat")
            ) { inbound, outbound, _ in
                writer.withLock { $0 = outbound }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    if text.hasPrefix(#"{"type":"\#(StreamControlType.open)""#) { readyContinuation.yield() }
                    onFrame(text)
                }
            }
            readyContinuation.finish()
        }
    }

    func send(_ text: String) async throws {
        guard let w = writer.value else { throw CancellationError() }
        try await w.write(.text(text))
    }

    func close() async {
        task.cancel()
        _ = await task.value
    }
}
