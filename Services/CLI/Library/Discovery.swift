import Foundation
import Logging
import PosyCore
import PosySchema

/// Listens to heartbeats for a moment to learn which processes are up (for `status`).
enum Discovery {
    static func peers(busSub: String, listen: Duration) async throws -> (Directory, RPCClientPool) {
        let directory = Directory()
        let pool = RPCClientPool()
        let subscriber = try await EventSubscriber(
            busSub: busSub, store: nil, durable: [], directory: directory, pool: pool, metrics: Metrics(),
            logger: Logger(label: "posy"))
        let task = Task { await subscriber.run() }
        try await Task.sleep(for: listen)
        await subscriber.close()
        await task.value
        return (directory, pool)
    }
}
