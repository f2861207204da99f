import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import PosyCore

/// A real WebSocket client of `GET /v1/stream` (swift-websocket's client), recording every text
/// frame it receives until it is closed.
final class StreamClient: Sendable {
    let frames = Locked<[String]>([])
    /// Set when the connection ended: the close code the server sent, or the error.
    let ended = Locked<String?>(nil)
    private let task: Task<Void, Never>

    init(port: Int, token: String?, after: String? = nil, lastEventID: String? = nil, queryToken: Bool = false) {
        var query: [String] = []
        if let token, queryToken { query.append("access_token=\(token)") }
        if let after { query.append("after=\(after)") }
        let url = "ws://127.0.0.1:\(port)/v1/stream" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        var headers = HTTPFields()
        if let token, !queryToken { headers[.authorization] = "Bearer \(token)" }
        if let lastEventID { headers[.init("Last-Event-ID")!] = lastEventID }
        let frames = self.frames
        let ended = self.ended
        task = Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers),
                    logger: Logger(label: "test.stream")
                ) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { frames.withLock { $0.append(text) } }
                    }
                }
                ended.withLock { $0 = "closed \(close.map { "\($0.closeCode)" } ?? "-")" }
            } catch {
                ended.withLock { $0 = "error \(error)" }
            }
        }
    }

    /// Every frame so far, parsed.
    var messages: [[String: Any]] {
        frames.value.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Event frames (those with `data` and an `id`; chat pushes have no id).
    var events: [[String: Any]] { messages.filter { $0["data"] != nil && $0["id"] != nil } }

    /// The `id` of the newest frame that has one.
    var lastId: String? { messages.last { $0["id"] != nil }?["id"] as? String }

    /// Order ids named by the events received.
    var orderIds: Set<String> {
        Set(
            events.compactMap { e in
                let data = e["data"] as? [String: Any]
                return data?["orderId"] as? String
            })
    }

    /// Waits until `condition` holds for the frames (polling); returns whether it did in time.
    func wait(_ timeout: Duration = .seconds(5), until condition: @escaping @Sendable (StreamClient) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    /// Waits for the first event of `type` about `orderId`.
    func waitForEvent(_ type: String, order orderId: String, timeout: Duration = .seconds(5)) async -> [String: Any]? {
        @Sendable func find(_ c: StreamClient) -> [String: Any]? {
            c.events.first { $0["type"] as? String == type && ($0["data"] as? [String: Any])?["orderId"] as? String == orderId }
        }
        _ = await wait(timeout) { find($0) != nil }
        return find(self)
    }

    func close() async {
        task.cancel()
        _ = await task.value
    }
}
