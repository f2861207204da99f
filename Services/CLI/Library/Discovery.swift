import Foundation
import Logging
import PosyCore
import PosySchema

/// Listens to heartbeats for a moment to learn which processes are up (for `status`); callers then
/// reach them with scoped clients (`RPCClient.withClient`).
enum Discovery {
    static func peers(busSub: String, security: BusSecurity, listen: Duration) async throws -> Directory {
        let directory = Directory()
        // No durable topics: the subscriber replays nothing, so its pool stays empty.
        let subscriber = try await EventSubscriber(
            busSub: busSub, security: security, store: nil, durable: [], directory: directory, pool: RPCClientPool(security: security),
            metrics: Metrics(),
            logger: Logger(label: "posy"))
        await withDiscardingTaskGroup { group in
            group.addTask { await subscriber.run() }
            try? await Task.sleep(for: listen)
            await subscriber.close()
        }
        return directory
    }
}
