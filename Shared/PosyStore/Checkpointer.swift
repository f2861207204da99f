import CMalloc
import Foundation
import Synchronization

/// Moves WAL checkpoints off the writer thread.
///
/// The writer connection runs with `wal_autocheckpoint=0`; this thread, with its own connection,
/// runs `PRAGMA wal_checkpoint(PASSIVE)` every `interval`, so the fsyncs a checkpoint needs never
/// stall a commit. PASSIVE never blocks the writer or readers. On ``stop()`` a final TRUNCATE
/// checkpoint leaves a small WAL behind.
final class Checkpointer: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private let wake = DispatchSemaphore(value: 0)
    private let checkpoints = Atomic<Int>(0)

    init(path: String, interval: Duration = .milliseconds(500)) {
        let thread = Thread { [self] in
            posy_name_thread("posy.checkpoint")
            let db = try? SQLiteConnection(path: path, busyTimeoutMs: 100)
            let ms = Int(interval.components.seconds * 1000) + Int(interval.components.attoseconds / 1_000_000_000_000_000)
            while !stopped.load(ordering: .relaxed) {
                _ = wake.wait(timeout: .now() + .milliseconds(ms))
                if stopped.load(ordering: .relaxed) { break }
                if (try? db?.query("PRAGMA wal_checkpoint(PASSIVE)", [])) != nil {
                    checkpoints.add(1, ordering: .relaxed)
                }
            }
            _ = try? db?.query("PRAGMA wal_checkpoint(TRUNCATE)", [])
            withExtendedLifetime(db) {}
            done.signal()
        }
        thread.start()
    }

    var count: Int { checkpoints.load(ordering: .relaxed) }

    /// Call after the writer has stopped.
    func stop() {
        guard stopped.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        wake.signal()
        done.wait()
    }
}
