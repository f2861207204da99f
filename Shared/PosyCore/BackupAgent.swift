import Foundation
import Logging
import PosySchema
import PosyStore
import Synchronization

/// A process's side of `posy backup` (docs/operations.md, "Backup and restore"): holds its store's
/// writes while every store is snapshotted, writes its snapshot aside under
/// `<data-dir>/.backup/<instance>/<id>`,
/// hands out the files the backup lists and nothing else, and remembers when a backup last completed.
///
/// Nothing runs while no backup is under way: a backup left behind by a tool that died is dropped
/// at the next one's start, or by the process's next start.
public final class BackupAgent: Sendable {
    /// Files that go with the store's snapshot (posy-receipts: its media), named relative to the data
    /// directory, read from the snapshot.
    public typealias Extras = @Sendable (StoreSnapshot) throws -> [(file: BackupRPC.File, path: String)]

    struct Job {
        var hold: StoreHold?
        var files: [String: String] = [:]
        var touched = ContinuousClock.now
    }

    let store: Store
    let descriptor: ServiceDescriptor
    let epoch: String
    let logger: Logger
    let area: String
    private let jobs = Mutex<[String: Job]>([:])
    private let extras = Mutex<Extras?>(nil)
    private let deferred = Mutex<[@Sendable () -> Void]>([])
    /// When a backup last completed (unix seconds; 0 never) and the schedule it was on (0 none).
    let lastCompleted = Atomic<Int64>(0)
    let every = Atomic<Int64>(0)
    /// A backup left alone this long is dropped when the next one starts.
    static let abandonedAfter = Duration.seconds(600)

    init(store: Store, descriptor: ServiceDescriptor, epoch: String, logger: Logger) async {
        self.store = store
        self.descriptor = descriptor
        self.epoch = epoch
        self.logger = logger
        // Its own corner of the data directory, which other stores' processes may share.
        area = ((store.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".backup/\(descriptor.instance)")
        try? FileManager.default.removeItem(atPath: area)
        let marks = try? await store.read { db in
            try db.query("SELECT key, value FROM meta WHERE key IN ('backup.completed_at', 'backup.every')").map {
                ($0.string(0) ?? "", Int64($0.string(1) ?? "") ?? 0)
            }
        }
        for (key, value) in marks ?? [] {
            if key == "backup.completed_at" { lastCompleted.store(value, ordering: .relaxed) }
            if key == "backup.every" { every.store(value, ordering: .relaxed) }
        }
    }

    /// Sets what goes with the store's snapshot (before any backup).
    public func addFiles(_ body: @escaping Extras) { extras.withLock { $0 = body } }

    /// Runs `action` now, or when no backup is under way any more: a file a backup may still copy
    /// (a media blob retention removes) must outlive it.
    public func whenIdle(_ action: @escaping @Sendable () -> Void) {
        let now = jobs.withLock { j -> Bool in
            if j.isEmpty { return true }
            deferred.withLock { $0.append(action) }
            return false
        }
        if now { action() }
    }

    /// Whether a backup is under way.
    public var isActive: Bool { jobs.withLock { !$0.isEmpty } }

    func hold(_ r: BackupRPC.HoldRequest) async throws -> BackupRPC.HoldReply {
        guard BackupRPC.isValidId(r.id) else { throw PosyError(.invalidField, "id: 1–64 letters, digits and '-'") }
        guard r.holdSeconds > 0, r.holdSeconds <= BackupRPC.maxHoldSeconds else {
            throw PosyError(.invalidField, "holdSeconds: more than 0, at most \(BackupRPC.maxHoldSeconds)")
        }
        dropAbandoned()
        let fresh = jobs.withLock { j -> Bool in
            guard j[r.id] == nil else { return false }
            j[r.id] = Job()
            return true
        }
        guard fresh else { throw PosyError(.conflict, "backup \(r.id) is already under way") }
        do {
            let hold = try await store.hold(limit: .milliseconds(Int(r.holdSeconds * 1000)))
            jobs.withLock { $0[r.id]?.hold = hold }
        } catch {
            finish(r.id)
            throw error
        }
        return .init(instance: descriptor.instance, service: descriptor.service, storeFile: descriptor.storeFile, epoch: epoch)
    }

    func release(_ r: BackupRPC.BackupRef) throws -> BackupRPC.ReleaseReply {
        let hold = try job(r.id).hold
        guard let hold else { throw PosyError(.conflict, "backup \(r.id) was prepared already") }
        return .init(heldThroughout: hold.release())
    }

    func prepare(_ r: BackupRPC.BackupRef) async throws -> BackupRPC.PrepareReply {
        guard let hold = try job(r.id).hold else { throw PosyError(.conflict, "backup \(r.id) was prepared already") }
        hold.release()
        let dir = (area as NSString).appendingPathComponent(r.id)
        let file = descriptor.storeFile
        let extras = self.extras.withLock { $0 }
        // Off the cooperative pool: a copy reads and writes the whole store.
        let (files, paths) = try await withCheckedThrowingContinuation {
            (c: CheckedContinuation<([BackupRPC.File], [String: String]), any Error>) in
            Thread {
                do {
                    defer { hold.snapshot.close() }
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    let copy = (dir as NSString).appendingPathComponent(file)
                    try hold.snapshot.copy(to: copy)
                    var files = [BackupRPC.File(name: file, size: Self.size(copy))]
                    var paths = [file: copy]
                    for extra in try extras?(hold.snapshot) ?? [] where paths[extra.file.name] == nil {
                        files.append(extra.file)
                        paths[extra.file.name] = extra.path
                    }
                    c.resume(returning: (files, paths))
                } catch {
                    c.resume(throwing: error)
                }
            }.start()
        }
        jobs.withLock {
            $0[r.id]?.hold = nil
            $0[r.id]?.files = paths
        }
        logger.info("backup prepared", metadata: ["backup": "\(r.id)", "files": "\(files.count)"])
        return .init(files: files)
    }

    func read(_ r: BackupRPC.ReadRequest) throws -> Data {
        // Only a file this backup listed: the name is a key, never a path to open.
        guard let path = try job(r.id).files[r.name] else { throw PosyError(.notFound, "backup \(r.id) has no file \(r.name)") }
        guard r.offset >= 0, r.length > 0 else { throw PosyError(.invalidField, "offset ≥ 0 and length > 0") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PosyError(.notFound, "\(r.name) is gone") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(r.offset))
        return try handle.read(upToCount: min(r.length, BackupRPC.maxRead)) ?? Data()
    }

    func end(_ r: BackupRPC.EndRequest) async throws -> EmptyBody {
        _ = try job(r.id)
        if r.completed {
            let now = Int64(Date().timeIntervalSince1970)
            let every = r.everySeconds.map { Int64(max(0, min($0, 1e9))) }
            try await store.write { db in
                try db.run(
                    "INSERT INTO meta(key, value) VALUES ('backup.completed_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    "\(now)")
                if let every {
                    try db.run(
                        "INSERT INTO meta(key, value) VALUES ('backup.every', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        "\(every)")
                }
            }
            lastCompleted.store(now, ordering: .relaxed)
            if let every { self.every.store(every, ordering: .relaxed) }
        }
        finish(r.id)
        logger.info("backup ended", metadata: ["backup": "\(r.id)", "completed": "\(r.completed)"])
        return EmptyBody()
    }

    /// Seconds since a backup last completed, or -1 when none has.
    public var ageSeconds: Int64 {
        let at = lastCompleted.load(ordering: .relaxed)
        return at == 0 ? -1 : max(0, Int64(Date().timeIntervalSince1970) - at)
    }

    private func job(_ id: String) throws -> Job {
        try jobs.withLock { j in
            guard j[id] != nil else { throw PosyError(.notFound, "no backup \(id) under way") }
            j[id]!.touched = .now
            return j[id]!
        }
    }

    private func finish(_ id: String) {
        let (job, idle) = jobs.withLock { j in (j.removeValue(forKey: id), j.isEmpty) }
        job?.hold?.release()
        job?.hold?.snapshot.close()
        try? FileManager.default.removeItem(atPath: (area as NSString).appendingPathComponent(id))
        if idle {
            for action in deferred.withLock({ d in
                defer { d.removeAll() }
                return d
            }) { action() }
        }
    }

    private func dropAbandoned() {
        let stale = jobs.withLock { j in j.filter { ContinuousClock.now - $0.value.touched > Self.abandonedAfter }.map(\.key) }
        for id in stale {
            logger.warning("backup abandoned by its tool; dropped", metadata: ["backup": "\(id)"])
            finish(id)
        }
    }

    static func size(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }
}
