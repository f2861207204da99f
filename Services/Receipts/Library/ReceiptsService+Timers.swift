import Foundation
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore
import ServiceLifecycle

extension ReceiptsService {
    /// Completes deliveries whose time to answer passed without an answer (`delivery.confirmed` with
    /// `by: "deadline"`), in one transaction each batch: exactly once across crashes. Returns how many.
    @discardableResult
    public func completeExpired() async throws -> Int {
        let nowDate = clock()
        let now = Timestamp.format(nowDate)
        let events = self.events
        // Found on the reader first: a sweep with nothing due writes nothing (docs/architecture.md, "Idle costs nothing").
        let anyDue = try await store.read { db in
            try db.queryOne("SELECT 1 FROM proofs WHERE outcome IS NULL AND confirm_by <= ? LIMIT 1", nowDate.timeIntervalSince1970) != nil
        }
        guard anyDue else { return 0 }
        return try await store.write { db -> Int in
            let due = try db.query(
                "SELECT body FROM proofs WHERE outcome IS NULL AND confirm_by <= ? ORDER BY confirm_by LIMIT 200",
                nowDate.timeIntervalSince1970)
            for row in due {
                let proof = try JSON.decode(Proof.self, from: Data(row.string(0)!.utf8))
                let c = DeliveryConfirmation(
                    orderId: proof.orderId, shopId: proof.shopId, courierId: proof.courierId,
                    customerId: proof.customerId, ok: true, by: "deadline", reason: nil, note: nil,
                    media: [], at: now)
                try Self.record(db, c, now: nowDate, events: events, seal: self.seal)
            }
            return due.count
        }
    }

    /// What the chain records when retention removes an order's media.
    struct PurgeRecord: Codable {
        var reason: String
        var retentionDays: Double
        var media: [ProofMedia]
        /// The erasure that purged the media, for `reason` `erasure`.
        var requestId: String? = nil
    }

    /// Removes the bytes of media of orders completed longer ago than the retention; the rows stay
    /// (marked purged) and the chain records the purge with every hash. A blob another live media
    /// row still uses is kept. Returns how many media items were purged.
    @discardableResult
    public func purgeExpiredMedia() async throws -> Int {
        guard let retention = config.mediaRetention else { return 0 }
        let nowDate = clock()
        let now = Timestamp.format(nowDate)
        let cutoff = nowDate.timeIntervalSince1970 - retention
        let anyDue = try await store.read { db in
            try db.queryOne(
                """
                SELECT 1 FROM proofs p JOIN media m ON m.order_id = p.order_id
                WHERE p.completed_at IS NOT NULL AND p.completed_at <= ? AND m.purged_at IS NULL LIMIT 1
                """, cutoff) != nil
        }
        guard anyDue else { return 0 }
        let removable = try await store.write { db -> [String] in
            let orders = try db.query(
                """
                SELECT DISTINCT p.order_id FROM proofs p JOIN media m ON m.order_id = p.order_id
                WHERE p.completed_at IS NOT NULL AND p.completed_at <= ? AND m.purged_at IS NULL LIMIT 100
                """, cutoff
            ).map { $0.string(0)! }
            var shas: [String] = []
            for order in orders {
                let items = try Self.mediaOf(db, order: order).filter { $0.purgedAt == nil }
                try db.run("UPDATE media SET purged_at = ? WHERE order_id = ? AND purged_at IS NULL", now, order)
                try EvidenceChain.append(
                    db, seal: self.seal, orderId: order, kind: "purge", at: now,
                    PurgeRecord(reason: "retention", retentionDays: retention / 86400, media: items.map(ProofMedia.init)))
                shas += items.map(\.sha256)
            }
            // Only blobs no live media row still points at.
            return try Set(shas).filter {
                try db.queryOne("SELECT 1 FROM media WHERE sha256 = ? AND purged_at IS NULL", $0) == nil
            }.sorted()
        }
        let media = self.media
        let backup = self.backup.withLock { $0 }
        for sha in removable {
            if let backup { backup.whenIdle { media.remove(sha) } } else { media.remove(sha) }
        }
        if !removable.isEmpty { logger.info("purged media", metadata: ["blobs": "\(removable.count)"]) }
        return removable.count
    }

    /// Runs the deadline, retention and idle-upload sweeps every `interval` until shutdown.
    public func timerService(interval: Duration = .milliseconds(500)) -> some Service { Sweeper(service: self, interval: interval) }

    struct Sweeper: Service {
        let service: ReceiptsService
        let interval: Duration

        func run() async throws {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    try await service.completeExpired()
                    try await service.purgeExpiredMedia()
                    _ = await service.media.sweepIdle()
                } catch {
                    service.logger.error("receipts sweep failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
