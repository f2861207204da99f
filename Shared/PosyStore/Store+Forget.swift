import Foundation

extension Store {
    /// Checkpoints the WAL into the store and truncates it to nothing, so the old versions of pages an
    /// erasure rewrote are gone from the files (docs/architecture.md, "Privacy"). A reader or writer
    /// in the way is waited for; false when the WAL could not be emptied within `attempts` tries.
    public func truncateWAL(attempts: Int = 20) async -> Bool {
        let path = self.path
        for attempt in 0..<attempts {
            let done: Bool = await withCheckedContinuation { c in
                let thread = Thread {
                    var ok = false
                    if let db = try? SQLiteConnection(path: path, busyTimeoutMs: 2_000),
                        let row = try? db.queryOne("PRAGMA wal_checkpoint(TRUNCATE)")
                    {
                        ok = row.int(0) == 0
                    }
                    c.resume(returning: ok)
                }
                thread.name = "posy.db.truncate"
                thread.start()
            }
            if done { return true }
            try? await Task.sleep(for: .milliseconds(50 * (attempt + 1)))
        }
        return false
    }
}
