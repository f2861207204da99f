import Foundation
import PosyCore
import PosySchema

/// `posy up --backup-every D --backup-keep N --backup-to DIR` (docs/operations.md, "Backup and
/// restore"): a backup every D while the suite runs, the newest N kept.
struct BackupSchedule: Sendable {
    let every: Duration
    let keep: Int
    let parent: String

    /// `90s`, `30m`, `1h`, `2d`, or plain seconds; nil for anything else.
    static func parse(_ text: String) -> Duration? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text)
        var unit = 1.0
        if let last = text.last, let u = units[last] {
            number = text.dropLast()
            unit = u
        }
        guard let n = Double(number), n.isFinite, n > 0 else { return nil }
        let seconds = n * unit
        guard seconds >= 1, seconds <= 366 * 86400 else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// Takes a backup each `every`, then keeps the newest `keep`; `say` hears of each.
    func run(taker: BackupTaker, say: @escaping @Sendable (String) -> Void) async {
        var taker = taker
        taker.everySeconds = every.seconds
        while !Task.isCancelled {
            try? await Task.sleep(for: every)
            if Task.isCancelled { return }
            do {
                let (dir, manifest) = try await taker.take()
                say(BackupSummary(dir: dir, manifest: manifest).text)
            } catch {
                say("backup failed: \(error)")
            }
            for old in prune() { say("posy backup: removed the old backup \(old)") }
        }
    }

    /// Removes complete backups beyond the newest `keep`, and what an interrupted one left an hour ago.
    func prune() -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        for name in BackupSummary.complete(in: parent).dropLast(keep) {
            let path = (parent as NSString).appendingPathComponent(name)
            if (try? fm.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        for name in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where name.hasPrefix(".partial-") {
            let path = (parent as NSString).appendingPathComponent(name)
            if let modified = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                modified < Date().addingTimeInterval(-3600)
            {
                try? fm.removeItem(atPath: path)
            }
        }
        return removed
    }
}
