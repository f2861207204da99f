import Foundation
import PosyReceiptsPolicy
import PosySchema
import PosyStore

/// Lays out a data directory from the stores' Litestream replicas as they were at a point in time
/// (docs/operations.md, "Backup and restore"). Each store is exactly as its replica had it at that
/// time; replicas lag their stores by up to a second, so a consumer may have applied an event its
/// producer's replica had not yet received: such a cursor is set back to the producer's head, and
/// every store gets a new epoch (as in ``BackupRestorer``). Replicas hold no keys, secret or media:
/// those come from a data directory or backup (`--secrets-from`, `--media-from`). Written beside the
/// target and renamed into place at the end.
struct ReplicaRestorer {
    let replica: String
    /// RFC 3339, or nil for the newest.
    let at: String?
    let target: String
    let secretsFrom: String
    let mediaFrom: String?
    let shards: Int?
    let litestream: String

    struct Report {
        var stores: [String]
        var cursorsSetBack: Int
        var chains: Int
        var media: Int
        var mediaMissing: Int
    }

    func restore() throws(BackupError) -> Report {
        let fm = FileManager.default
        let secretPath = (secretsFrom as NSString).appendingPathComponent("secret")
        let keysPath = (secretsFrom as NSString).appendingPathComponent("keys")
        guard let secret = try? String(contentsOfFile: secretPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !secret.isEmpty, fm.fileExists(atPath: keysPath)
        else {
            throw BackupError(.incomplete, "\(secretsFrom) has no secret and keys/: give a data directory or backup of this suite")
        }
        let target = RestoreTarget(path: self.target)
        try target.checkEmpty()
        let stores = try storesAtReplica()
        return try target.fill { staging in
            for store in stores { try restoreStore(store, into: staging) }
            var described: [(instance: String, file: String, epoch: String)] = []
            for store in stores {
                let path = (staging as NSString).appendingPathComponent("\(store).db")
                let db = try SQLiteConnection(path: path, readOnly: true)
                let check = try db.query("PRAGMA integrity_check").compactMap { $0.string(0) }
                guard check == ["ok"] else {
                    throw BackupError(.damaged, "\(store) restored from its replica fails integrity_check: \(check.prefix(3))")
                }
                described.append((store, "\(store).db", try BackupManifest.describe(storeAt: path).epoch))
            }
            let setBack = try BackupRestorer.renewEpochs(
                described, in: staging, restoredFrom: "replica \(replica) at \(at ?? "newest")", setBackCursorsAhead: true)
            // The suite's secret and keys, and the media its restored store names.
            try copy(secretPath, to: (staging as NSString).appendingPathComponent("secret"))
            for name in (try? fm.contentsOfDirectory(atPath: keysPath)) ?? [] where !name.hasPrefix(".") {
                try copy((keysPath as NSString).appendingPathComponent(name), to: "\(staging)/keys/\(name)")
            }
            let receipts = try SQLiteConnection(path: (staging as NSString).appendingPathComponent("receipts.db"), readOnly: true)
            let shas = try receipts.query("SELECT DISTINCT sha256 FROM media WHERE purged_at IS NULL").compactMap { $0.string(0) }
            var media = 0
            var missing = 0
            for sha in shas where sha.utf8.count == 64 && Hex.decode(sha) != nil {
                let relative = "media/blobs/\(sha.prefix(2))/\(sha)"
                if let mediaFrom, fm.fileExists(atPath: (mediaFrom as NSString).appendingPathComponent(relative)) {
                    try copy(
                        (mediaFrom as NSString).appendingPathComponent(relative), to: (staging as NSString).appendingPathComponent(relative)
                    )
                    media += 1
                } else {
                    missing += 1
                }
            }
            // Every evidence chain as restored verifies, sealed by this suite's secret.
            let seal = EvidenceSeal(secret: secret)
            let orders = try receipts.query("SELECT DISTINCT order_id FROM evidence ORDER BY 1").compactMap { $0.string(0) }
            for order in orders {
                let result = EvidenceChain.verify(
                    orderId: order, try EvidenceChain.records(receipts, orderId: order),
                    head: try EvidenceChain.head(receipts, orderId: order),
                    seal: seal, personal: try? EvidencePersonal.load(receipts, orderId: order))
                guard result.ok else {
                    throw BackupError(
                        .damaged, "the evidence chain of order \(order) does not verify as restored: \(result.firstMismatch?.reason ?? "")")
                }
            }
            return Report(stores: stores, cursorsSetBack: setBack, chains: orders.count, media: media, mediaMissing: missing)
        }
    }

    /// The stores a replica URL holds: listed for `file://`, else the suite's with `shards` shards.
    private func storesAtReplica() throws(BackupError) -> [String] {
        let expected = Replication.stores(shards: shards ?? 9)
        guard replica.hasPrefix("file://") else {
            guard let shards else { throw BackupError(.incomplete, "say how many messaging shards the suite had (--shards)") }
            return Replication.stores(shards: shards)
        }
        let dir = String(replica.dropFirst("file://".count))
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        let stores = expected.filter { present.contains($0) }
        for needed in ["orders", "location", "receipts", "notify"] where !stores.contains(needed) {
            throw BackupError(.incomplete, "\(replica) has no replica of \(needed)")
        }
        guard stores.contains(where: { $0.hasPrefix("messaging-") }) else {
            throw BackupError(.incomplete, "\(replica) has no messaging shard")
        }
        return stores
    }

    private func restoreStore(_ store: String, into staging: String) throws {
        let url = Replication(url: replica, dataDir: staging, stores: []).replica(of: store)
        var arguments = ["restore", "-o", (staging as NSString).appendingPathComponent("\(store).db")]
        if let at {
            // The newest transaction replicated at or before the time, from the replica's own listing:
            // litestream's `-timestamp` refused times after a store's last change (0.5.17).
            arguments += ["-txid", try transaction(of: url, store: store, at: at)]
        }
        let (status, output) = try run(arguments + [url])
        guard status == 0 else {
            throw BackupError(
                .incomplete, "litestream could not restore \(store) from \(url)\(at.map { " at \($0)" } ?? ""): \(output.suffix(400))")
        }
    }

    /// The id (16 hex digits) of the newest transaction of `url` replicated at or before `at`.
    private func transaction(of url: String, store: String, at: String) throws -> String {
        let (status, output) = try run(["ltx", "-level", "all", "-json", url])
        guard status == 0, let files = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] else {
            throw BackupError(.incomplete, "litestream could not list \(store)'s replica at \(url): \(output.suffix(400))")
        }
        let dates = ISO8601DateFormatter()
        guard let limit = dates.date(from: at) else { throw BackupError(.incomplete, "--at \(at) is not an RFC 3339 time") }
        let newest = files.compactMap { file -> UInt64? in
            guard let stamp = (file["timestamp"] as? String).flatMap({ dates.date(from: $0) }), stamp <= limit,
                let txid = (file["max_txid"] as? String).flatMap({ UInt64($0, radix: 16) })
            else { return nil }
            return txid
        }.max()
        guard let newest else { throw BackupError(.incomplete, "\(store)'s replica holds nothing at or before \(at)") }
        let hex = String(newest, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    /// Runs litestream; its exit status and output.
    private func run(_ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: litestream)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    private func copy(_ from: String, to: String) throws {
        try BackupTaker.makePrivateDirectory((to as NSString).deletingLastPathComponent)
        try FileManager.default.copyItem(atPath: from, toPath: to)
        chmod(to, 0o600)
    }
}
