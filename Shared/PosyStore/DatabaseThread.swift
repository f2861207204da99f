import CMalloc
import Foundation
import PosyZMQ
import Synchronization

/// A thread that owns one ``SQLiteConnection`` and runs jobs on it. Jobs queued while the thread is
/// busy are handed over together, which is what makes group commit possible.
///
/// A socket's thread may run a few jobs itself instead (``submitForTurn(_:)``): queued during its
/// turn, they run together at the turn's end on that thread when this one is idle, so a lone write
/// wakes no thread and is resumed where its caller runs (docs/architecture.md, "Threads").
final class DatabaseThread: Sendable {
    typealias Job = @Sendable (SQLiteConnection) -> Void
    typealias Batch = @Sendable (SQLiteConnection, [Job]) -> Void

    private struct Queue {
        var jobs: [Job] = []
        var stopped = false
        /// This thread is running jobs.
        var running = false
        /// A socket's thread is running jobs on the connection: this one must not meanwhile.
        var borrowed = false
        /// This thread woke while the connection was borrowed: the borrower wakes it again.
        var missedWake = false
        /// Queued jobs that may only run on this thread (a backup's hold waits there for its caller).
        var ownThreadOnly = 0
        /// A socket thread's turn end will look at the queue.
        var turnArranged = false
    }

    /// Most jobs a socket's thread runs at the end of its turn; a larger group goes to this thread,
    /// so that the socket reads on while it commits.
    static let turnLimit = 8

    /// The connection, opened on this thread; set once, before the initializer returns.
    private final class Connection: @unchecked Sendable {
        var db: SQLiteConnection?
    }

    private let queue = Mutex(Queue())
    private let signal = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let connection = Connection()
    private let runBatch: Batch

    /// Opens the connection on the new thread; `runBatch` gets every job that was waiting.
    init(name: String, open: @escaping @Sendable () throws -> SQLiteConnection, runBatch: @escaping Batch) throws {
        let opened = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        self.runBatch = runBatch
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
            connection.db = db
            opened.signal()
            // Two buffers trade places: the queue's jobs come out without a copy, and the emptied
            // one goes back with its capacity (taking a copy and clearing the queue in place
            // allocated a new buffer for every group).
            var jobs: [Job] = []
            // Stopping, the thread drains the queue without waiting: jobs queued for a socket's turn
            // came with no signal of their own.
            var draining = false
            while true {
                if !draining { signal.wait() }
                draining = false
                let taken = queue.withLock { q -> Bool? in
                    if q.borrowed {
                        q.missedWake = true
                        return nil
                    }
                    swap(&q.jobs, &jobs)
                    q.ownThreadOnly = 0
                    q.running = !jobs.isEmpty
                    return q.stopped
                }
                guard let stopped = taken else { continue }
                let ran = !jobs.isEmpty
                if ran {
                    runBatch(db, jobs)
                    queue.withLock { $0.running = false }
                }
                jobs.removeAll(keepingCapacity: true)
                if stopped {
                    if !ran { break }
                    draining = true
                }
            }
            withExtendedLifetime(db) {}
            connection.db = nil  // closed with the thread, as before any borrowing
            done.signal()
        }
        thread.start()
        opened.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Queues a job; returns false when the thread is stopping. A job that waits for its caller
    /// (`ownThreadOnly`) is never run on a socket's thread, where that caller may be waiting to run.
    @discardableResult
    func submit(ownThreadOnly: Bool = false, _ job: @escaping Job) -> Bool {
        let accepted = queue.withLock { q -> Bool in
            if q.stopped { return false }
            q.jobs.append(job)
            if ownThreadOnly { q.ownThreadOnly += 1 }
            return true
        }
        if accepted { signal.signal() }
        return accepted
    }

    /// On a socket's thread: queues a job for the end of the thread's turn (``ZMQSocket/atEndOfTurn(_:)``)
    /// instead of waking this thread. Nil on any other thread (use ``submit(ownThreadOnly:_:)``);
    /// false when the thread is stopping.
    func submitForTurn(_ job: @escaping Job) -> Bool? {
        guard ZMQSocket.onLoopThread else { return nil }
        return queue.withLock { q -> Bool? in
            if q.stopped { return false }
            if !q.turnArranged {
                guard ZMQSocket.atEndOfTurn({ self.runAtTurnEnd() }) else { return nil }
                q.turnArranged = true
            }
            q.jobs.append(job)
            return true
        }
    }

    /// At a socket thread's turn end: runs what is queued there and then, if this thread is idle and
    /// the group small; otherwise wakes this thread for it.
    private func runAtTurnEnd() {
        enum Next {
            case nothing, handOver
            case run([Job], SQLiteConnection)
        }
        let next = queue.withLock { q -> Next in
            q.turnArranged = false
            if q.jobs.isEmpty { return .nothing }
            guard let db = connection.db, !q.running, !q.borrowed, q.ownThreadOnly == 0, q.jobs.count <= Self.turnLimit, !q.stopped
            else {
                return .handOver
            }
            q.borrowed = true
            let jobs = q.jobs
            q.jobs.removeAll(keepingCapacity: true)
            return .run(jobs, db)
        }
        switch next {
        case .nothing: return
        case .handOver: signal.signal()
        case .run(let jobs, let db):
            runBatch(db, jobs)
            let wake = queue.withLock { q -> Bool in
                q.borrowed = false
                defer { q.missedWake = false }
                return q.missedWake || !q.jobs.isEmpty
            }
            if wake { signal.signal() }
        }
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
