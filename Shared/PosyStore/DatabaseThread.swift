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
            // Two buffers trade places: the queue's jobs come out without a copy, and the emptied
            // one goes back with its capacity (taking a copy and clearing the queue in place
            // allocated a new buffer for every group).
            var jobs: [Job] = []
            while true {
                signal.wait()
                let stopped = queue.withLock { q -> Bool in
                    swap(&q.jobs, &jobs)
                    return q.stopped
                }
                let ran = !jobs.isEmpty
                if ran { runBatch(db, jobs) }
                jobs.removeAll(keepingCapacity: true)
                if stopped && !ran { break }
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
