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
        host.rpc.register(PrivacyRPC.exportPart) { r, _ in try await self.exportPart(r) }
        return PrivacyAgent(
            host: host, clock: clock, outboxKeys: EvidencePersonal.keys, cleanUp: { [self] in await removeOrphanBlobs() },
            forget: { [self] db, work, _ in try forget(db, work, at: Timestamp.format(clock())) })
    }

    /// posy-receipts' part of an export: the orders' media (the gateway inlines their bytes), and
    /// the proofs, answers and looks as their evidence records hold them, personal values put back.
    func exportPart(_ r: ExportPartRequest) async throws -> JSONValue {
        try await store.read { db -> JSONValue in
            var media: [MediaInfo] = []
            var records: [JSONValue] = []
            for t in r.orders {
                media += try Self.mediaOf(db, order: t.orderId)
                let (chain, _, personal) = try self.openChain(db, orderId: t.orderId)
                for record in chain where ["proof", "confirmation", "dispute", "look"].contains(record.kind) {
                    records.append(
                        .object([
                            "orderId": .string(t.orderId), "kind": .string(record.kind), "at": .string(record.at),
                            "record": (try? JSON.decode(JSONValue.self, from: Data(personal.opened(record).utf8))) ?? .null,
                        ]))
                }
            }
            return .object(["media": try JSON.decode(JSONValue.self, from: JSON.encode(media)), "records": .array(records)])
        }
    }

    /// With the scope `contact`, only positions go: the media keep their own retention.
    func forget(_ db: SQLiteConnection, _ work: ErasureWork, at: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        func add(_ kind: String, _ n: Int) { if n > 0 { counts[kind, default: 0] += n } }
        let keys = work.forgets == .person ? EvidencePersonal.keys : Self.positionKeys
        for target in work.orders {
            let order = target.orderId
            let items = work.forgets == .person ? try Self.mediaOf(db, order: order).filter { $0.purgedAt == nil } : []
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
            let paths = try db.query("SELECT n, path FROM evidence_personal WHERE order_id = ?", order).filter {
                keys.contains(String(($0.string(1) ?? "").split(separator: "/").last ?? ""))
            }
            for p in paths {
                guard let n = p.int(0), let path = p.string(1) else { continue }
                try db.run(
                    "INSERT INTO evidence_erasures(order_id, n, path, at, request_id) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING", order, n,
                    path, at, work.requestId)
                try db.run("DELETE FROM evidence_personal WHERE order_id = ? AND n = ? AND path = ?", order, n, path)
            }
            add("evidenceFields", paths.count)
            if let body = try db.queryOne("SELECT body FROM proofs WHERE order_id = ?", order)?.string(0),
                let value = try? JSON.decode(JSONValue.self, from: Data(body.utf8))
            {
                let stripped = Self.without(keys, value)
                if stripped != value {
                    try db.run("UPDATE proofs SET body = ? WHERE order_id = ?", try EvidenceChain.canonical(stripped), order)
                    add("proofs", 1)
                }
            }
        }
        return counts
    }

    /// The members of a record that say where someone's door is.
    static let positionKeys: Set<String> = ["lat", "lon", "accuracy"]

    /// `value` with every member named in `keys` nulled.
    static func without(_ keys: Set<String>, _ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o): .object(o.reduce(into: [:]) { $0[$1.key] = keys.contains($1.key) ? .null : without(keys, $1.value) })
        case .array(let a): .array(a.map { without(keys, $0) })
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
