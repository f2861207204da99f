import Foundation
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore

extension ReceiptsService {
    /// Forgets what posy-receipts holds of erased orders (docs/architecture.md, "Privacy"): every
    /// media item of the order (door photos, signatures, voice notes, chat attachments) — its row
    /// marked purged, its bytes removed, the chain recording the purge —, the personal values its
    /// evidence records commit to (the records stay and still verify, those fields erased), and the
    /// same fields of the stored proofs.
    public func registerPrivacy(on host: ServiceHost) -> PrivacyAgent {
        PrivacyAgent(
            host: host, clock: clock, outboxKeys: EvidencePersonal.keys, cleanUp: { [self] in await removeOrphanBlobs() },
            forget: { [self] db, work, _ in try forget(db, work, at: Timestamp.format(clock())) })
    }

    func forget(_ db: SQLiteConnection, _ work: ErasureWork, at: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        func add(_ kind: String, _ n: Int) { if n > 0 { counts[kind, default: 0] += n } }
        for target in work.orders {
            let order = target.orderId
            let items = try Self.mediaOf(db, order: order).filter { $0.purgedAt == nil }
            if !items.isEmpty {
                try db.run("UPDATE media SET purged_at = ? WHERE order_id = ? AND purged_at IS NULL", at, order)
                try EvidenceChain.append(
                    db, seal: seal, orderId: order, kind: "purge", at: at,
                    PurgeRecord(
                        reason: "erasure", retentionDays: 0,
                        media: items.map { ProofMedia(id: $0.id, sha256: $0.sha256, contentType: $0.contentType, size: $0.size) },
                        requestId: work.requestId))
                add("media", items.count)
            }
            try db.run("UPDATE media SET photo = NULL WHERE order_id = ? AND photo IS NOT NULL", order)
            try db.run(
                """
                INSERT INTO evidence_erasures(order_id, n, path, at, request_id)
                SELECT order_id, n, path, ?, ? FROM evidence_personal WHERE order_id = ? ON CONFLICT DO NOTHING
                """, at, work.requestId, order)
            add("evidenceFields", try db.run("DELETE FROM evidence_personal WHERE order_id = ?", order))
            if let body = try db.queryOne("SELECT body FROM proofs WHERE order_id = ?", order)?.string(0),
                let value = try? JSON.decode(JSONValue.self, from: Data(body.utf8))
            {
                let stripped = Self.withoutPersonal(value)
                if stripped != value {
                    try db.run("UPDATE proofs SET body = ? WHERE order_id = ?", try EvidenceChain.canonical(stripped), order)
                    add("proofs", 1)
                }
            }
        }
        return counts
    }

    /// `value` with every personal member (``EvidencePersonal/keys``) nulled.
    static func withoutPersonal(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            .object(o.reduce(into: [:]) { $0[$1.key] = EvidencePersonal.keys.contains($1.key) ? .null : withoutPersonal($1.value) })
        case .array(let a): .array(a.map(withoutPersonal))
        default: value
        }
    }

    /// Removes the bytes of every blob that only purged media rows name (after a backup that reads
    /// them, when one runs). Retention's purge removes its own; this catches an erasure's, and any a
    /// crash left between the commit and the removal.
    func removeOrphanBlobs() async {
        guard
            let shas = try? await store.read({ db in
                try db.query(
                    """
                    SELECT DISTINCT m.sha256 FROM media m WHERE m.purged_at IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM media l WHERE l.sha256 = m.sha256 AND l.purged_at IS NULL)
                    """
                ).compactMap { $0.string(0) }
            })
        else { return }
        let media = self.media
        let backup = self.backup.withLock { $0 }
        var removed = 0
        for sha in shas where FileManager.default.fileExists(atPath: media.blobPath(sha)) {
            if let backup { backup.whenIdle { media.remove(sha) } } else { _ = media.remove(sha) }
            removed += 1
        }
        if removed > 0 { logger.info("removed purged media", metadata: ["blobs": "\(removed)"]) }
    }
}
