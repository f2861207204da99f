import CMalloc
import Foundation
import Synchronization

/// A thread that owns one ``SQLiteConnection`` and runs jobs on it. Jobs queued while the thread is
/// busy are handed over together, which is what makes group commit possible.
final class DatabaseThread: Sendable {
    /// A job and, when its caller stops waiting, what to tell the caller instead of running it.
    struct Job: Sendable {
        let run: @Sendable (SQLiteConnection) -> Void
        let deadline: ContinuousClock.Instant?
        let expire: (@Sendable () -> Void)?

        init(
            deadline: ContinuousClock.Instant? = nil, expire: (@Sendable () -> Void)? = nil,
            _ run: @escaping @Sendable (SQLiteConnection) -> Void
        ) {
            self.run = run
            self.deadline = expire == nil ? nil : deadline
            self.expire = expire
        }
    }
    typealias Batch = @Sendable (SQLiteConnection, [Job]) -> Void

    private struct Queue {
        var jobs: [Job] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let expiredJobs = Atomic<Int>(0)
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
                // A job whose caller stopped waiting while it queued is answered, not run
                // (docs/architecture.md, "Deadlines"): a saturated store catches up on live work.
                let now = ContinuousClock.now
                let before = jobs.count
                jobs.removeAll { job in
                    guard CallDeadline.passed(job.deadline, at: now), let expire = job.expire else { return false }
                    expire()
                    return true
                }
                if jobs.count < before { expiredJobs.add(before - jobs.count, ordering: .relaxed) }
                let ran = !jobs.isEmpty
                if ran { runBatch(db, jobs) }
                jobs.removeAll(keepingCapacity: true)
                if stopped && before == 0 { break }
            }
            withExtendedLifetime(db) {}
            done.signal()
        }
        thread.start()
        opened.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Jobs answered instead of run because their caller had stopped waiting.
    var expired: Int { expiredJobs.load(ordering: .relaxed) }

    /// Queues a job; returns false when the thread is stopping.
    @discardableResult
    func submit(_ job: Job) -> Bool {
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
