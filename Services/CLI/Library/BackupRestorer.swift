import Foundation
import PosySchema
import PosyStore

/// Lays out a data directory from a verified backup (docs/architecture.md, "Backup and restore").
///
/// The stores were held at one instant, so no consumer's cursor is ahead of its producer. Devices
/// and pages, though, may have seen what came after the backup: each store gets a new epoch here —
/// its outbox's envelopes rewritten to it, every consumer's cursor on it carried across at the same
/// seq — so the services go on exactly where the backup left them, while every client holding a
/// sync token or stream position of the old epoch starts over instead of skipping what is new.
/// Written beside the target and renamed into place at the end (``RestoreTarget``).
struct BackupRestorer {
    let backup: String
    let target: String

    /// Restores; returns the report of the check that came first.
    func restore() throws(BackupError) -> BackupVerifier.Report {
        let report = try BackupVerifier(dir: backup).verify()
        let fm = FileManager.default
        let target = RestoreTarget(path: self.target)
        try target.checkEmpty()
        try target.fill { staging in
            for file in report.manifest.files {
                let to = (staging as NSString).appendingPathComponent(file.name)
                try BackupTaker.makePrivateDirectory((to as NSString).deletingLastPathComponent)
                do {
                    try fm.copyItem(atPath: (backup as NSString).appendingPathComponent(file.name), toPath: to)
                } catch {
                    throw BackupError(.io, "cannot copy \(file.name): \(error.localizedDescription)")
                }
                chmod(to, 0o600)
            }
            try renewEpochs(report.manifest, in: staging)
            // What was copied is what was verified: the same bytes, checked again where they now are.
            for file in report.manifest.files where !file.name.hasSuffix(".db") {
                guard BackupManifest.sha256(ofFile: (staging as NSString).appendingPathComponent(file.name))?.0 == file.sha256 else {
                    throw BackupError(.io, "\(file.name) did not copy faithfully")
                }
            }
        }
        return report
    }

    /// A new epoch for every store; outbox envelopes and every consumer's cursors follow it.
    private func renewEpochs(_ manifest: BackupManifest, in dir: String) throws {
        _ = try Self.renewEpochs(
            manifest.stores.map { (instance: $0.instance, file: $0.file, epoch: $0.epoch) }, in: dir, restoredFrom: manifest.id,
            setBackCursorsAhead: false)
    }

    /// Gives each store in `dir` a new epoch, rewrites its outbox to it and carries every consumer's
    /// cursor on it across. With `setBackCursorsAhead` (stores restored to a point in time, each as
    /// its replica had it), a cursor ahead of its producer's head is set back to that head, so the
    /// producer's next events are applied rather than taken for ones already seen; returns how many were.
    static func renewEpochs(
        _ stores: [(instance: String, file: String, epoch: String)], in dir: String, restoredFrom: String, setBackCursorsAhead: Bool
    ) throws -> Int {
        var renewed: [String: (old: String, new: String)] = [:]
        var heads: [String: [String: Int64]] = [:]
        for store in stores {
            renewed[store.instance] = (store.epoch, Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255) }))
            heads[store.instance] = try BackupManifest.describe(storeAt: (dir as NSString).appendingPathComponent(store.file)).heads
        }
        var setBack = 0
        for store in stores {
            let db = try SQLiteConnection(path: (dir as NSString).appendingPathComponent(store.file))
            let (old, new) = renewed[store.instance]!
            try db.transaction {
                try db.run("UPDATE meta SET value = ? WHERE key = 'epoch' AND value = ?", new, old)
                try db.run(
                    "INSERT INTO meta(key, value) VALUES ('restored_from', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    restoredFrom)
                // A page at a time: a week's outbox may be millions of events.
                var after: (String, Int64) = ("", 0)
                while true {
                    let page = try db.query(
                        "SELECT topic, seq, envelope FROM outbox WHERE (topic, seq) > (?, ?) ORDER BY topic, seq LIMIT 5000", after.0,
                        after.1)
                    for row in page {
                        guard let topic = row.string(0), let seq = row.int(1), let raw = row.data(2) else { continue }
                        after = (topic, seq)
                        var envelope = try EnvelopeCodec.decode(raw)
                        guard envelope.epoch == old else { continue }
                        envelope.epoch = new
                        try db.run("UPDATE outbox SET envelope = ? WHERE topic = ? AND seq = ?", EnvelopeCodec.encode(envelope), topic, seq)
                    }
                    if page.count < 5000 { break }
                }
                for (src, epochs) in renewed where src != store.instance {
                    if setBackCursorsAhead {
                        for row in try db.query("SELECT topic, seq FROM cursors WHERE src = ? AND epoch = ?", src, epochs.old) {
                            guard let topic = row.string(0), let seq = row.int(1) else { continue }
                            let head = heads[src]?[topic] ?? 0
                            if seq > head {
                                try db.run("UPDATE cursors SET seq = ? WHERE src = ? AND topic = ?", head, src, topic)
                                setBack += 1
                            }
                        }
                    }
                    try db.run("UPDATE cursors SET epoch = ? WHERE src = ? AND epoch = ?", epochs.new, src, epochs.old)
                }
            }
            try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return setBack
    }
}
