import CMalloc
import Foundation
import Synchronization

/// A thread that owns one ``SQLiteConnection`` and runs jobs on it. Jobs queued while the thread is
/// busy are handed over together, which is what makes group commit possible.
final class DatabaseThread: Sendable {
    typealias Job = @Sendable (SQLiteConnection) -> Void
    typealias Batch = @Sendable (SQLiteConnection, [Job]) -> Void

    private struct Queue {
        var jobs: [Job] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let signal = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// Opens the connection on the new thread; `runBatch` gets every job that was waiting.
    init(name: String, open: @escaping @Sendable () throws -> SQLiteConnection, runBatch: @escaping Batch) throws {
        let opened = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        let thread = Thread { [self] in
            posy_name_thread("posy.db.\(name)")
            let db: SQLiteConnection
            do {
                db = try open()
            } catch {
                failure.withLock { $0 = error }
                opened.signal()
                done.signal()
                return
            }
            opened.signal()
            while true {
                signal.wait()
                let (jobs, stopped) = queue.withLock { q -> ([Job], Bool) in
                    let j = q.jobs
                    q.jobs.removeAll(keepingCapacity: true)
                    return (j, q.stopped)
                }
                if !jobs.isEmpty { runBatch(db, jobs) }
                if stopped && jobs.isEmpty { break }
                if stopped { continue }
            }
            withExtendedLifetime(db) {}
            done.signal()
        }
        thread.start()
        opened.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Queues a job; returns false when the thread is stopping.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        let accepted = queue.withLock { q -> Bool in
            if q.stopped { return false }
            q.jobs.append(job)
            return true
        }
        if accepted { signal.signal() }
        return accepted
    }

    /// Runs the jobs already queued, then ends the thread and closes the connection.
    func stop() {
        let first = queue.withLock { q -> Bool in
            let was = q.stopped
            q.stopped = true
            return !was
        }
        guard first else { return }
        signal.signal()
        done.wait()
    }
}
