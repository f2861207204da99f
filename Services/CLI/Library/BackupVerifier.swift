import Foundation
import PosyReceiptsPolicy
import PosySchema
import PosyStore

/// Checks a backup without changing it (docs/operations.md, "Backup and restore"): every file the
/// manifest names is there with its size and SHA-256 and nothing else is; each store passes
/// `PRAGMA integrity_check` and is the epoch and schema the manifest says; the stores are of one
/// suite (every consumer follows its producers' epochs, the secret is the manifest's suite); every
/// evidence chain verifies against its sealed head and the head the manifest recorded.
struct BackupVerifier {
    let dir: String

    struct Report {
        var manifest: BackupManifest
        var stores = 0
        var media = 0
        var chains = 0
    }

    func verify() throws(BackupError) -> Report {
        let manifest = try BackupManifest.load(dir)
        var report = Report(manifest: manifest)
        // Every file, whole: missing is incomplete, other bytes are damage (or tampering).
        var listed = Set<String>([BackupManifest.fileName])
        for file in manifest.files {
            guard file.name.split(separator: "/").allSatisfy({ $0 != ".." && $0 != "." }), !file.name.hasPrefix("/") else {
                throw BackupError(.damaged, "the manifest names the file '\(file.name)', outside the backup")
            }
            listed.insert(file.name)
            let path = (dir as NSString).appendingPathComponent(file.name)
            guard FileManager.default.fileExists(atPath: path) else { throw BackupError(.incomplete, "\(file.name) is missing") }
            guard let (sha, size) = BackupManifest.sha256(ofFile: path) else { throw BackupError(.io, "cannot read \(path)") }
            guard size == file.size, sha == file.sha256 else {
                throw BackupError(
                    .damaged,
                    "\(file.name) is not the file backed up: SHA-256 \(sha) (\(size) bytes), the manifest says \(file.sha256) (\(file.size) bytes)"
                )
            }
            if file.name.hasPrefix("media/") { report.media += 1 }
        }
        for extra in Self.allFiles(dir) where !listed.contains(extra) {
            throw BackupError(.damaged, "\(extra) is not in the manifest: the backup was changed after it was taken")
        }
        // The stores.
        var epochs: [String: String] = [:]
        for store in manifest.stores {
            guard manifest.files.contains(where: { $0.name == store.file }) else {
                throw BackupError(.incomplete, "the manifest lists the store \(store.file) but no file for it")
            }
            let path = (dir as NSString).appendingPathComponent(store.file)
            do {
                let db = try SQLiteConnection(path: path, readOnly: true)
                let check = try db.query("PRAGMA integrity_check").compactMap { $0.string(0) }
                guard check == ["ok"] else {
                    throw BackupError(.damaged, "\(store.file) fails integrity_check: \(check.prefix(3).joined(separator: "; "))")
                }
                let described = try BackupManifest.describe(storeAt: path)
                guard described.epoch == store.epoch, described.schema == store.schemaVersion, described.pos == store.logPosition else {
                    throw BackupError(
                        .damaged,
                        "\(store.file) is epoch \(described.epoch), schema \(described.schema), position \(described.pos); the manifest says \(store.epoch), \(store.schemaVersion), \(store.logPosition)"
                    )
                }
            } catch let e as BackupError {
                throw e
            } catch {
                throw BackupError(.damaged, "\(store.file) is not a readable store: \(error)")
            }
            epochs[store.instance] = store.epoch
            report.stores += 1
        }
        for service in BackupTaker.storeServices where !manifest.stores.contains(where: { $0.service == service }) {
            throw BackupError(.incomplete, "the backup has no \(service) store")
        }
        try checkOneSuite(manifest, epochs: epochs)
        report.chains = try checkEvidence(manifest)
        return report
    }

    /// The secret is the suite's the manifest names, and every consumer follows the producers of
    /// this backup: a store from another suite (or another time) has an epoch nobody here follows.
    private func checkOneSuite(_ manifest: BackupManifest, epochs: [String: String]) throws(BackupError) {
        let secretPath = (dir as NSString).appendingPathComponent("secret")
        if let secret = try? String(contentsOfFile: secretPath, encoding: .utf8) {
            let id = BackupManifest.suiteId(secret: secret.trimmingCharacters(in: .whitespacesAndNewlines))
            guard id == manifest.suite else {
                throw BackupError(.otherSuite, "the secret in the backup is suite \(id)'s; the manifest is suite \(manifest.suite)'s")
            }
        }
        var followed: [String: (same: Int, other: [String])] = [:]
        for store in manifest.stores {
            guard let db = try? SQLiteConnection(path: (dir as NSString).appendingPathComponent(store.file), readOnly: true),
                let rows = try? db.query("SELECT DISTINCT src, epoch FROM cursors")
            else { continue }
            for row in rows {
                guard let src = row.string(0), let epoch = row.string(1), let own = epochs[src], src != store.instance else { continue }
                if epoch == own {
                    followed[src, default: (0, [])].same += 1
                } else {
                    followed[src, default: (0, [])].other.append(store.instance)
                }
            }
        }
        for store in manifest.stores where store.logPosition > 0 {
            guard let f = followed[store.instance], f.same == 0, !f.other.isEmpty else { continue }
            throw BackupError(
                .otherSuite,
                "\(store.file) is not of this suite: \(f.other.sorted().joined(separator: ", ")) follow(s) \(store.instance) at another epoch than \(store.epoch)"
            )
        }
    }

    /// Every evidence chain in the backup's receipts store verifies, sealed with the backup's secret,
    /// and ends where the manifest recorded.
    private func checkEvidence(_ manifest: BackupManifest) throws(BackupError) -> Int {
        guard let receipts = manifest.stores.first(where: { $0.service == ServiceName.receipts }) else { return 0 }
        let secret = try? String(contentsOfFile: (dir as NSString).appendingPathComponent("secret"), encoding: .utf8)
        let seal = secret.map { EvidenceSeal(secret: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        do {
            let db = try SQLiteConnection(path: (dir as NSString).appendingPathComponent(receipts.file), readOnly: true)
            let orders = try db.query("SELECT DISTINCT order_id FROM evidence UNION SELECT order_id FROM evidence_heads ORDER BY 1")
                .compactMap { $0.string(0) }
            let recorded = Dictionary(manifest.evidence.map { ($0.orderId, $0) }, uniquingKeysWith: { a, _ in a })
            guard orders.count == recorded.count else {
                throw BackupError(.damaged, "\(orders.count) evidence chains in \(receipts.file), the manifest recorded \(recorded.count)")
            }
            for order in orders {
                let records = try EvidenceChain.records(db, orderId: order)
                let head = try EvidenceChain.head(db, orderId: order)
                let result = EvidenceChain.verify(
                    orderId: order, records, head: head, seal: seal, personal: try? EvidencePersonal.load(db, orderId: order))
                guard result.ok else {
                    let why = result.firstMismatch.map { "record \($0.n) (\($0.kind)): \($0.reason)" } ?? "does not verify"
                    throw BackupError(.damaged, "the evidence chain of order \(order) \(why)")
                }
                guard let r = recorded[order], r.records == records.count, r.hash == records.last?.hash ?? "" else {
                    throw BackupError(.damaged, "the evidence chain of order \(order) does not end where the manifest recorded")
                }
            }
            return orders.count
        } catch let e as BackupError {
            throw e
        } catch {
            throw BackupError(.damaged, "\(receipts.file): \(error)")
        }
    }

    /// Every regular file under `dir`, relative to it.
    static func allFiles(_ dir: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            var st = stat()
            let path = (dir as NSString).appendingPathComponent(relative)
            if lstat(path, &st) == 0, st.st_mode & S_IFMT != S_IFDIR { out.append(relative) }
        }
        return out.sorted()
    }
}
