import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import PosyCore
import Synchronization

/// A chat device: a real WebSocket client of `GET /v1/stream` that sends `StreamFrames` and records
/// every frame it receives (replies, pushes, stream events) until it is closed or cut.
final class ChatClient: Sendable {
    /// Parsed frames behind a lock (JSON objects are not `Sendable`; they never leave the lock unguarded).
    final class FrameLog: @unchecked Sendable {
        private let lock = NSLock()
        private var frames: [[String: Any]] = []
        func append(_ f: [String: Any]) { lock.withLock { frames.append(f) } }
        /// `body` runs on a snapshot, outside the lock (it may read the log again).
        func withLock<T>(_ body: ([[String: Any]]) -> T) -> T { body(lock.withLock { frames }) }
    }

    let frames = FrameLog()
    private let writer = Locked<WebSocketOutboundWriter?>(nil)
    private let task: Task<Void, Never>
    private let refs = Atomic<Int>(0)
    let name: String

    init(port: Int, token: String, name: String = "device") {
        self.name = name
        let frames = self.frames
        let writer = self.writer
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        task = Task {
            _ = try? await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/v1/stream", configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers),
                logger: Logger(label: "test.chat")
            ) { inbound, outbound, _ in
                writer.withLock { $0 = outbound }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                    else { continue }
                    frames.append(object)
                }
            }
            writer.withLock { $0 = nil }
        }
    }

    /// Waits until the stream said `stream.open`.
    func connected(_ timeout: Duration = .seconds(10)) async -> Bool {
        await wait(timeout) { $0.contains { $0["type"] as? String == "stream.open" } }
    }

    func wait(_ timeout: Duration = .seconds(5), until condition: ([[String: Any]]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if frames.withLock({ condition($0) }) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return frames.withLock { condition($0) }
    }

    /// Sends a frame without waiting; returns its ref.
    @discardableResult
    func post(_ frame: [String: Any]) async throws -> String {
        let ref = "\(name)-\(refs.add(1, ordering: .relaxed).newValue)"
        var f = frame
        f["ref"] = ref
        let text = String(decoding: try JSONSerialization.data(withJSONObject: f), as: UTF8.self)
        guard let w = writer.value else { throw ClientError.notConnected }
        try await w.write(.text(text))
        return ref
    }

    /// The reply to the frame with `ref`, once it came.
    func reply(_ ref: String, timeout: Duration = .seconds(10)) async -> [String: Any]? {
        func find(_ fs: [[String: Any]]) -> [String: Any]? {
            fs.first { $0["type"] as? String == "reply" && $0["ref"] as? String == ref }
        }
        _ = await wait(timeout) { find($0) != nil }
        return frames.withLock { find($0) }
    }

    /// Sends a frame and waits for its reply.
    func call(_ frame: [String: Any], timeout: Duration = .seconds(10)) async throws -> [String: Any] {
        let ref = try await post(frame)
        guard let r = await reply(ref, timeout: timeout) else { throw ClientError.noReply(ref) }
        return r
    }

    /// Sends a text message; returns the reply.
    func say(_ conversation: String, _ text: String, id: String = UUID().uuidString) async throws -> [String: Any] {
        try await call(["type": "msg.send", "conversationId": conversation, "clientMsgId": id, "kind": "text", "text": text])
    }

    /// Pushes of `type` received so far.
    func pushes(_ type: String) -> [[String: Any]] { frames.withLock { $0.filter { $0["type"] as? String == type } } }

    /// The newest `unread` a push told this device for `conversation`.
    func lastUnread(_ conversation: String) -> Int? {
        frames.withLock { fs in
            fs.last { $0["conversationId"] as? String == conversation && $0["unread"] != nil }?["unread"] as? Int
        }
    }

    /// Seqs of `msg.new` pushes for `conversation`, in arrival order.
    func seqs(_ conversation: String) -> [Int] {
        pushes("msg.new").filter { $0["conversationId"] as? String == conversation }
            .compactMap { ($0["data"] as? [String: Any])?["seq"] as? Int }
    }

    func close() async {
        task.cancel()
        _ = await task.value
    }

    enum ClientError: Error {
        case notConnected
        case noReply(String)
    }
}
