import CMalloc
import Foundation
import Synchronization

/// Moves WAL checkpoints off the writer thread.
///
/// The writer connection runs with `wal_autocheckpoint=0`; this thread, with its own connection,
/// runs `PRAGMA wal_checkpoint(PASSIVE)` `interval` after the first commit since its last
/// checkpoint, so the fsyncs a checkpoint needs never stall a commit, and a store nobody writes to
/// wakes nobody (docs/architecture.md, "Idle costs nothing"). PASSIVE never blocks the writer or
/// readers. On ``stop()`` a final TRUNCATE checkpoint leaves a small WAL behind.
///
/// SQLite starts the WAL over only when a write begins with every frame checkpointed; under
/// continuous commits one always lands while this thread copies, and the WAL grew without end
/// (1.8 GB in 40 s of chat). So when a checkpoint finds `restartFrames` or more in the WAL, the
/// writer is asked to finish it (``takeCatchUp()``): between two groups, alone, it copies what
/// came since — a small remainder — and its next write starts the WAL over.
final class Checkpointer: Sendable {
    private let stopped = Atomic<Bool>(false)
    /// A commit happened since the last checkpoint began.
    private let pending = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    /// Signalled by the first commit after a checkpoint, and by ``stop()``.
    private let wake = DispatchSemaphore(value: 0)
    /// Ends the wait between a commit and its checkpoint early, on ``stop()``.
    private let hurry = DispatchSemaphore(value: 0)
    private let checkpoints = Atomic<Int>(0)
    /// Stopped because the store never opened: no final checkpoint.
    private let abandoned = Atomic<Bool>(false)
    /// The last checkpoint found a long WAL: the writer finishes it, so the WAL can start over.
    private let catchUp = Atomic<Bool>(false)
    let restartFrames: Int

    init(path: String, interval: Duration = .milliseconds(500), restartFrames: Int = 4_096) {
        self.restartFrames = restartFrames
        let thread = Thread { [self] in
            posy_name_thread("posy.checkpoint")
            // Opened at the first checkpoint: the writer creates and migrates the store first.
            var db: SQLiteConnection?
            let ms = Int(interval.components.seconds * 1000) + Int(interval.components.attoseconds / 1_000_000_000_000_000)
            while true {
                wake.wait()
                if stopped.load(ordering: .relaxed) { break }
                // Commits meanwhile join this checkpoint; one after it begins asks for the next.
                _ = hurry.wait(timeout: .now() + .milliseconds(ms))
                pending.store(false, ordering: .sequentiallyConsistent)
                if db == nil { db = try? SQLiteConnection(path: path, busyTimeoutMs: 100) }
                if let row = (try? db?.query("PRAGMA wal_checkpoint(PASSIVE)", []))?.first {
                    checkpoints.add(1, ordering: .relaxed)
                    // Columns: busy, frames in the WAL, frames checkpointed — as of the checkpoint's
                    // start: commits since are not counted, so "all" does not mean the WAL can start over.
                    if (row.int(1) ?? 0) >= Int64(restartFrames) { catchUp.store(true, ordering: .relaxed) }
                }
                if stopped.load(ordering: .relaxed) { break }
            }
            if !abandoned.load(ordering: .relaxed) {
                if db == nil { db = try? SQLiteConnection(path: path, busyTimeoutMs: 100) }
                _ = try? db?.query("PRAGMA wal_checkpoint(TRUNCATE)", [])
            }
            withExtendedLifetime(db) {}
            done.signal()
        }
        thread.start()
    }

    var count: Int { checkpoints.load(ordering: .relaxed) }

    /// Whether the writer should finish a checkpoint this thread left behind (then it is no longer asked).
    func takeCatchUp() -> Bool { catchUp.exchange(false, ordering: .relaxed) }

    /// The writer committed: a checkpoint follows within the interval. Only the first commit since
    /// the last checkpoint began wakes the thread.
    func committed() {
        if !pending.exchange(true, ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Stops without the final checkpoint, for a store whose writer could not open it.
    func abandon() {
        abandoned.store(true, ordering: .relaxed)
        stop()
    }

    /// Call after the writer has stopped.
    func stop() {
        guard stopped.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        wake.signal()
        hurry.signal()
        done.wait()
    }
}
