import Foundation
import Logging
import PosyZMQ
import Synchronization

/// A service's SQLite store: one writer connection with group commit, one reader connection (WAL).
///
/// ``write(_:)`` jobs that are waiting when the writer becomes free run together in one
/// transaction, each inside its own savepoint: a job that throws rolls back only its own work and
/// gets its error, the others commit. A job alone in its transaction runs without one (its
/// failure rolls the transaction back). Every job's caller is resumed only after the shared COMMIT,
/// so a returned write is durable (against process crashes with `synchronous=NORMAL`).
public final class Store: Sendable {
    public let path: String
    let writer: DatabaseThread
    private let reader: DatabaseThread
    private let checkpointer: Checkpointer
    private let counters = Counters()
    /// Most jobs committed in one transaction.
    public static let maxGroup = 2_000

    final class Counters: Sendable {
        let transactions = Atomic<Int>(0)
        let jobs = Atomic<Int>(0)
        let failedJobs = Atomic<Int>(0)
        let largestGroup = Atomic<Int>(0)
        let catchUps = Atomic<Int>(0)
    }

    /// Opens the store at `path`, creating it and applying `migrations` as needed.
    public init(
        path: String, migrations: [Migration], synchronous: SQLiteConnection.Synchronous = .normal,
        logger: Logger = Logger(label: "posy.store"), checkpointInterval: Duration = .milliseconds(500),
        walRestartFrames: Int = 4_096
    ) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        // The store and its directory are the account's alone, whoever made them looser (docs/operations.md, "Stores").
        let name = (path as NSString).lastPathComponent
        let tightened = try PrivateFiles.secure(directory: dir.isEmpty ? "." : dir, files: [name, name + "-wal", name + "-shm"])
        if !tightened.isEmpty {
            logger.warning("tightened file modes: readable by other local accounts before", metadata: ["paths": "\(tightened)"])
        }
        let counters = self.counters
        let checkpointer = Checkpointer(path: path, interval: checkpointInterval, restartFrames: walRestartFrames)
        self.checkpointer = checkpointer
        do {
            writer = try DatabaseThread(
                name: "writer",
                open: {
                    let db = try SQLiteConnection(path: path, synchronous: synchronous)
                    try db.execute("PRAGMA wal_autocheckpoint=0")  // the Checkpointer does it, off this thread
                    // A WAL that grew in a burst is cut back to this when it starts over: twice the
                    // restart size (frames of a 4 KiB page and a 24-byte header), so that one of the
                    // usual size is overwritten in place rather than truncated and grown again each time.
                    try db.execute("PRAGMA journal_size_limit=\(2 * walRestartFrames * (4_096 + 24))")
                    // What is deleted or overwritten is zeroed, so an erased value leaves no copy in free
                    // space (docs/architecture.md, "Privacy").
                    try db.execute("PRAGMA secure_delete=ON")
                    let ran = try Migrator.migrate(db, migrations)
                    if !ran.isEmpty { logger.info("migrated store", metadata: ["path": "\(path)", "versions": "\(ran)"]) }
                    return db
                },
                runBatch: { db, jobs in
                    if checkpointer.takeCatchUp() {
                        // Alone on the store, this finishes what the checkpointer began: the next write starts the WAL over.
                        _ = try? db.query("PRAGMA wal_checkpoint(PASSIVE)", [])
                        counters.catchUps.add(1, ordering: .relaxed)
                    }
                    if Store.commitGroup(db, jobs, counters, logger) { checkpointer.committed() }
                })
        } catch {
            checkpointer.abandon()
            throw error
        }
        checkpointer.committed()  // what opening wrote (migrations), if anything
        reader = try DatabaseThread(
            name: "reader",
            open: {
                try SQLiteConnection(path: path, readOnly: true)
            }, runBatch: { db, jobs in for j in jobs { j(db) } })
    }

    /// Runs `jobs` in group transactions; true when one that committed changed a row. A sweep
    /// that found nothing to do commits an empty transaction, and that is no reason to wake the
    /// checkpointer (docs/architecture.md, "Idle costs nothing").
    static func commitGroup(_ db: SQLiteConnection, _ jobs: [DatabaseThread.Job], _ counters: Counters, _ logger: Logger) -> Bool {
        var anyCommitted = false
        let changesBefore = db.totalChanges
        var start = 0
        while start < jobs.count {
            let group = jobs[start..<min(jobs.count, start + maxGroup)]
            start += group.count
            // Each job of a group runs in its own savepoint and reports through GroupContext; see
            // `write`. A job alone needs none: the transaction is its own, and rolls back with it.
            let context = GroupContext(isolated: group.count > 1)
            var committed = false
            do {
                try db.run("BEGIN IMMEDIATE", [])
            } catch {
                context.fail(error)
            }
            if context.error == nil {
                for job in group {
                    db.group = context
                    job(db)
                }
                do {
                    if !context.isolated && context.failedJobs > 0 {
                        try db.run("ROLLBACK", [])
                        db.discardAfterCommit()
                    } else {
                        try db.run("COMMIT", [])
                        committed = true
                        anyCommitted = true
                    }
                } catch {
                    try? db.execute("ROLLBACK")
                    db.discardAfterCommit()
                    context.fail(error)
                    logger.error("group commit failed", metadata: ["error": "\(error)", "jobs": "\(group.count)"])
                }
            } else {
                for job in group {
                    db.group = context
                    job(db)
                }
            }
            // Counted before the callers hear of it: a caller that reads `statistics` next sees its group.
            counters.transactions.add(1, ordering: .relaxed)
            counters.jobs.add(group.count, ordering: .relaxed)
            counters.failedJobs.add(context.failedJobs, ordering: .relaxed)
            var largest = counters.largestGroup.load(ordering: .relaxed)
            while group.count > largest {
                let (exchanged, original) = counters.largestGroup.compareExchange(
                    expected: largest, desired: group.count, ordering: .relaxed)
                if exchanged { break }
                largest = original
            }
            // What the group publishes and the callers it resumes wake each socket's thread once
            // (docs/architecture.md, "Threads"). Not the jobs themselves: one may resume its caller
            // and then wait for it (a backup's hold).
            ZMQSocket.deferringWakes {
                if committed { db.runAfterCommit() }
                db.group = nil
                context.finish()
            }
        }
        return anyCommitted && db.totalChanges != changesBefore
    }

    /// Runs `body` on the writer inside the shared group transaction; returns after it committed.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let job: DatabaseThread.Job = { db in
                let context = db.group!
                if let error = context.error {
                    c.resume(throwing: error)
                    return
                }
                do {
                    let value = try context.isolated ? db.savepoint { try body(db) } : body(db)
                    context.onFinish { error in
                        if let error { c.resume(throwing: error) } else { c.resume(returning: value) }
                    }
                } catch {
                    context.failedJobs += 1
                    context.onFinish { _ in c.resume(throwing: error) }
                }
            }
            // From a socket's thread (an RPC handler running there) the write waits for the end of
            // the thread's turn and commits there when the writer is idle (docs/architecture.md, "Threads").
            let accepted = writer.submitForTurn(job) ?? writer.submit(job)
            if !accepted { c.resume(throwing: SQLiteError(code: 21, message: "store is closed")) }
        }
    }

    /// Runs `body` on the reader connection (a consistent snapshot of committed data).
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let accepted = reader.submit { db in
                do {
                    let value = try db.transactionForRead { try body(db) }
                    c.resume(returning: value)
                } catch {
                    c.resume(throwing: error)
                }
            }
            if !accepted { c.resume(throwing: SQLiteError(code: 21, message: "store is closed")) }
        }
    }

    /// Group-commit counters for `stats`.
    public var statistics: [String: Int64] {
        [
            "store_transactions": Int64(counters.transactions.load(ordering: .relaxed)),
            "store_write_jobs": Int64(counters.jobs.load(ordering: .relaxed)),
            "store_failed_jobs": Int64(counters.failedJobs.load(ordering: .relaxed)),
            "store_checkpoints": Int64(checkpointer.count),
            "store_writer_checkpoints": Int64(counters.catchUps.load(ordering: .relaxed)),
        ]
    }

    /// Most write jobs that shared one transaction so far.
    public var largestGroup: Int { counters.largestGroup.load(ordering: .relaxed) }

    /// Finishes queued work and closes both connections.
    public func close() {
        writer.stop()
        reader.stop()
        checkpointer.stop()
    }
}

/// State of one group transaction, visible to the jobs running in it (writer thread only).
final class GroupContext: @unchecked Sendable {
    /// Whether each job runs in a savepoint of its own (a group of more than one).
    let isolated: Bool
    private(set) var error: (any Error)?
    var failedJobs = 0
    private var completions: [((any Error)?) -> Void] = []

    init(isolated: Bool) { self.isolated = isolated }

    func fail(_ error: any Error) { if self.error == nil { self.error = error } }
    func onFinish(_ completion: @escaping ((any Error)?) -> Void) { completions.append(completion) }
    func finish() { for c in completions { c(error) } }
}

extension SQLiteConnection {
    /// Wraps reads in one transaction so multi-statement reads see one snapshot. `BEGIN` and
    /// `COMMIT` are prepared once and cached like any statement (`execute` parses them anew).
    func transactionForRead<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN", [])
        defer { _ = try? run("COMMIT", []) }
        return try body()
    }
}
