import Foundation

extension Store {
    /// Takes a snapshot of the committed state with no write in progress and holds every write
    /// until the hold is released or `limit` passes; returns once the snapshot is taken. Writes that
    /// wait meanwhile commit after the release, and their callers hear of them only then.
    public func hold(limit: Duration) async throws -> StoreHold {
        let path = self.path
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<StoreHold, any Error>) in
            let accepted = writer.submit(ownThreadOnly: true) { _ in
                // On the writer, inside the group's transaction: jobs before this one in the group
                // are not committed, so the snapshot excludes them, and their callers wait for the release.
                let hold: StoreHold
                do {
                    hold = StoreHold(snapshot: try StoreSnapshot(path: path))
                } catch {
                    c.resume(throwing: error)
                    return
                }
                c.resume(returning: hold)
                hold.wait(limit: limit)
            }
            if !accepted { c.resume(throwing: SQLiteError(code: 21, message: "store is closed")) }
        }
    }
}
