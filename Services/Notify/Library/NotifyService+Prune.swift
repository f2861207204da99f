import Foundation
import PosySchema
import PosyStore
import ServiceLifecycle

extension NotifyService {
    /// Deletes what is older than the retention: inbox rows, delivered and dead outbound deliveries
    /// with their attempts, send-log keys and coalescing marks. Pending deliveries stay until they
    /// end. Returns how many rows went.
    @discardableResult
    public func prune() async throws -> Int {
        let cutoff = clock().addingTimeInterval(-config.retention)
        let seconds = cutoff.timeIntervalSince1970
        let text = Timestamp.format(cutoff)
        let n = try await store.write { db -> Int in
            var n = try db.run("DELETE FROM inbox WHERE at < ?", text)
            n += try db.run(
                """
                DELETE FROM outbound_attempts WHERE delivery_id IN
                  (SELECT id FROM outbound WHERE state IN ('delivered', 'dead') AND created_at < ?)
                """, seconds)
            n += try db.run("DELETE FROM outbound WHERE state IN ('delivered', 'dead') AND created_at < ?", seconds)
            n += try db.run("DELETE FROM sends WHERE at < ?", seconds)
            n += try db.run("DELETE FROM coalesce WHERE at < ?", seconds)
            return n
        }
        if n > 0 {
            metrics.increment("notify_rows_pruned", by: Int64(n))
            logger.info("pruned old notifications", metadata: ["rows": "\(n)", "before": "\(text)"])
        }
        return n
    }

    /// Prunes once an hour.
    public func pruneService() -> some Service { PruneLoop(service: self) }

    struct PruneLoop: Service {
        let service: NotifyService

        func run() async throws {
            try? await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        try await service.prune()
                    } catch {
                        service.logger.error("pruning failed", metadata: ["error": "\(error)"])
                    }
                    try await Task.sleep(for: .seconds(3600))
                }
            }
        }
    }
}
