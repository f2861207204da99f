import CSQLite
import Foundation
import PosyCore
import PosyStore
import Testing

@Suite struct StoreTests {
    static func tempPath() -> String {
        Scratch.directory.appendingPathComponent("posy-store-\(UUID().uuidString)/test.db").path
    }

    static let migrations = [
        Migration(1, "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL DEFAULT 0);"),
        Migration(2, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB, score REAL);"),
    ]

    @Test func migrationsApplyOnceAndAreRecorded() async throws {
        let path = Self.tempPath()
        do {
            let store = try Store(path: path, migrations: Self.migrations)
            let versions = try await store.read { db in
                try db.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0.int(0) }
            }
            #expect(versions == [1, 2])
            let mode = try await store.read { db in try db.queryOne("PRAGMA journal_mode")?.string(0) }
            #expect(mode == "wal")
            store.close()
        }
        // Reopening with one more migration applies only the new one.
        let more = Self.migrations + [Migration(3, "tags", "CREATE TABLE tags (t TEXT);")]
        let store = try Store(path: path, migrations: more)
        let rows = try await store.read { db in try db.query("SELECT version FROM schema_migrations").count }
        #expect(rows == 3)
        store.close()
        // A build that knows fewer migrations than the store has refuses to open it.
        #expect(throws: SQLiteError.self) { try Store(path: path, migrations: Self.migrations) }
    }

    @Test func typedBindingAndReading() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        let blob = Data([0, 1, 2, 255])
        try await store.write { db in
            try db.run("INSERT INTO notes(id, body, score) VALUES (?, ?, ?)", 1, blob, 2.5)
            try db.run("INSERT INTO notes(id, body, score) VALUES (?, ?, ?)", 2, Optional<Data>.none, Optional<Double>.none)
            try db.run("INSERT INTO items(name, qty) VALUES (?, ?)", "röses 🌹", Int64.max)
        }
        let rows = try await store.read { db in try db.query("SELECT id, body, score FROM notes ORDER BY id") }
        #expect(rows[0].data(1) == blob)
        #expect(rows[0].double(2) == 2.5)
        #expect(rows[1][1] == .null)
        let item = try await store.read { db in try db.queryOne("SELECT name, qty FROM items") }
        #expect(item?.string(0) == "röses 🌹")
        #expect(item?.int(1) == Int64.max)
        await #expect(throws: SQLiteError.self) {
            try await store.write { db in try db.run("INSERT INTO items(name) VALUES (?, ?)", "a", "b") }
        }
    }

    /// Text is bound with its length, so a NUL inside it is stored, not taken as its end; a string
    /// made from an `NSString`, an array of values and an empty string bind the same.
    @Test func textBindsWhole() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        let withNUL = "before\u{0}after"
        let bridged = String(NSString(string: "röses 🌹, bridged and longer than a small string"))
        try await store.write { db in
            try db.run("INSERT INTO items(name, qty) VALUES (?, ?)", withNUL, 1)
            try db.run("INSERT INTO items(name, qty) VALUES (?, ?)", [.text(bridged), .int(2)])
            try db.run("INSERT INTO items(name, qty) VALUES (?, ?)", "", 3)
        }
        let rows = try await store.read { db in
            try db.query("SELECT name, length(CAST(name AS BLOB)) FROM items ORDER BY qty")
        }
        #expect(rows.map { $0.string(0) } == [withNUL, bridged, ""])
        #expect(rows.map { $0.int(1) } == [Int64(withNUL.utf8.count), Int64(bridged.utf8.count), 0])
        // Bound text is compared as bound: the NUL's tail takes part in lookups too.
        let found = try await store.read { db in try db.queryOne("SELECT qty FROM items WHERE name = ?", withNUL)?.int(0) }
        #expect(found == 1)
        let prefix = try await store.read { db in try db.queryOne("SELECT qty FROM items WHERE name = ?", "before")?.int(0) }
        #expect(prefix == nil)
    }

    /// Savepoints nest deeper than the statements made in advance, and each level rolls back only
    /// its own work; `queryOne` reads the first row of many.
    @Test func deepSavepointsRollBackTheirOwnWork() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        struct Boom: Error {}
        @Sendable func nest(_ db: SQLiteConnection, _ level: Int) throws {
            try db.run("INSERT INTO items(name, qty) VALUES (?, ?)", "level \(level)", level)
            guard level < 12 else { throw Boom() }
            do {
                try db.transaction { try nest(db, level + 1) }
            } catch is Boom where level == 10 {}  // levels 11 and 12 undone with level 10's savepoint
        }
        try await store.write { db in try nest(db, 1) }
        let levels = try await store.read { db in try db.query("SELECT qty FROM items ORDER BY qty").compactMap { $0.int(0) } }
        #expect(levels == Array(1...10).map(Int64.init))
        let first = try await store.read { db in try db.queryOne("SELECT qty FROM items ORDER BY qty DESC")?.int(0) }
        #expect(first == 10)
    }

    @Test func transactionRollsBackOnError() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await store.write { db in
                try db.run("INSERT INTO items(name) VALUES ('a')")
                throw Boom()
            }
        }
        // A constraint error inside a nested transaction rolls back only that part.
        try await store.write { db in
            try db.run("INSERT INTO items(name) VALUES ('b')")
            #expect(throws: SQLiteError.self) {
                try db.transaction {
                    try db.run("INSERT INTO items(name) VALUES ('c')")
                    try db.run("INSERT INTO items(name) VALUES ('b')")  // UNIQUE violation
                }
            }
        }
        let names = try await store.read { db in try db.query("SELECT name FROM items ORDER BY name").compactMap { $0.string(0) } }
        #expect(names == ["b"])
    }

    /// A job that changes many existing pages inside its savepoint keeps what it may roll back in
    /// memory: no temporary file (SQLite's `etilqs_…` in /var/tmp, outside the data directory) is
    /// open while it runs, and rolling it back still restores every page.
    @Test func aLargeJobsSubJournalStaysInMemory() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        let original = Data(repeating: 1, count: 1_000)
        try await store.write { db in
            for i in 0..<1_000 { try db.run("INSERT INTO notes(id, body) VALUES (?, ?)", Int64(i), original) }
        }
        struct Undo: Error {}
        let openTemporaryFiles = Locked<[String]>([])
        await #expect(throws: Undo.self) {
            try await store.write { db in
                try db.run("UPDATE notes SET body = ?", Data(repeating: 2, count: 1_000))  // ~1 MB of pages to keep
                let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
                let targets = fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
                openTemporaryFiles.withLock { $0 = targets.filter { $0.contains("etilqs") } }
                throw Undo()
            }
        }
        #expect(openTemporaryFiles.value.isEmpty, "\(openTemporaryFiles.value)")
        let changed = try await store.read { db in
            try db.queryOne("SELECT COUNT(*) FROM notes WHERE body <> ?", original)?.int(0)
        }
        #expect(changed == 0)
    }

    /// SQLite counts no memory: with its statistics on, every allocation on every connection's
    /// thread takes one process-wide mutex (docs/architecture.md, "Threads"). Off, its counters
    /// read 0 however much it holds.
    @Test func sqliteKeepsNoMemoryStatistics() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        try await store.write { db in
            for i in 0..<1_000 { try db.run("INSERT INTO notes(id, body) VALUES (?, ?)", Int64(i), Data(repeating: 1, count: 1_000)) }
        }
        #expect(sqlite3_memory_used() == 0)
        #expect(sqlite3_memory_highwater(0) == 0)
    }

    /// A checkpoint follows a commit that changed something, and only that: a store nobody writes
    /// to, or whose writes find nothing to change (a sweep with nothing due), wakes no thread.
    @Test func checkpointsFollowCommitsAndAnIdleStoreRunsNone() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        func checkpoints() -> Int64 { store.statistics["store_checkpoints"]! }
        func waitFor(_ n: Int64) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while checkpoints() < n && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }
        try await waitFor(1)
        #expect(checkpoints() == 1, "the migrations' checkpoint")
        try await Task.sleep(for: .milliseconds(1_300))  // over two checkpoint intervals, idle
        #expect(checkpoints() == 1)
        for _ in 0..<3 {
            let changed = try await store.write { db in try db.run("UPDATE items SET name = name WHERE name = ?", "nobody") }
            #expect(changed == 0)
        }
        try await Task.sleep(for: .milliseconds(1_300))
        #expect(checkpoints() == 1, "writes that changed nothing")
        for i in 0..<3 { try await store.write { db in try db.run("INSERT INTO items(name) VALUES (?)", "idle-\(i)") } }
        try await waitFor(2)
        try await Task.sleep(for: .milliseconds(1_300))  // whatever those commits still asked for
        let afterWrites = checkpoints()
        #expect(afterWrites >= 2)
        try await Task.sleep(for: .milliseconds(1_300))
        #expect(checkpoints() == afterWrites, "idle again: no more")
    }

    /// Under commits that never pause the WAL still starts over: the checkpointer cannot finish
    /// while they land, so the writer finishes it between two of them, and the file stays small
    /// instead of holding every frame written (docs/architecture.md, "Threads").
    @Test func theWALStartsOverUnderContinuousCommits() async throws {
        let path = Self.tempPath()
        let store = try Store(path: path, migrations: Self.migrations, checkpointInterval: .milliseconds(50), walRestartFrames: 128)
        defer { store.close() }
        let body = Data(repeating: 7, count: 3_000)
        var largest: Int64 = 0
        var previous: Int64 = 0
        var restarts = 0
        for i in 0..<8_000 {
            try await store.write { db in try db.run("INSERT INTO notes(id, body) VALUES (?, ?)", Int64(i * 7_919 % 8_000), body) }
            if i % 50 == 0 {
                let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int64) ?? 0
                largest = max(largest, size)
                // Started over: cut back to its size limit (about 1 MB here) from something larger.
                if size < previous { restarts += 1 }
                previous = size
            }
        }
        // Written: over 8,000 commits of at least one 4 KB page each (32 MB and more). A WAL that never
        // starts over holds all of it (80 MB when this was found); how large it grows between two
        // restarts depends on how fast the commits come (up to 18 MB in an optimized build here).
        #expect(restarts >= 3, "the WAL started over \(restarts) times")
        #expect(largest < 32 << 20, "the WAL reached \(largest) bytes")
        #expect(store.statistics["store_writer_checkpoints"]! > 0)
    }

    @Test func groupCommitSharesTransactionsAndIsolatesFailures() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        // Occupy the writer so that the next writes queue up and commit together.
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await store.write { _ in gate.wait() } }
        try await Task.sleep(for: .milliseconds(50))
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                group.addTask {
                    do {
                        try await store.write { db in
                            // Every 10th job collides with an earlier name and must fail alone.
                            try db.run("INSERT INTO items(name) VALUES (?)", i % 10 == 9 ? "item-\(i - 1)" : "item-\(i)")
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
            gate.signal()
            var ok = 0
            for await r in group where r { ok += 1 }
            return ok
        }
        try await blocker.value
        #expect(results == 180)
        let count = try await store.read { db in try db.queryOne("SELECT COUNT(*) FROM items")?.int(0) }
        #expect(count == 180)
        let stats = store.statistics
        #expect(store.largestGroup > 1)
        #expect(stats["store_transactions"]! < stats["store_write_jobs"]!)
        #expect(stats["store_failed_jobs"] == 20)
    }

    @Test func onCommitRunsOnlyAfterCommit() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        let seen = Locked<[String]>([])
        try await store.write { db in
            try db.run("INSERT INTO items(name) VALUES ('x')")
            db.onCommit { seen.withLock { $0.append("committed") } }
            #expect(seen.value.isEmpty)
        }
        #expect(seen.value == ["committed"])
        struct Boom: Error {}
        _ = try? await store.write { db in
            db.onCommit { seen.withLock { $0.append("rolled back") } }
            throw Boom()
        }
        #expect(seen.value == ["committed"])
    }

    @Test func readsSeeCommittedDataOnly() async throws {
        let store = try Store(path: Self.tempPath(), migrations: Self.migrations)
        defer { store.close() }
        try await store.write { db in try db.run("INSERT INTO items(name, qty) VALUES ('a', 1)") }
        let qty = try await store.read { db in try db.queryOne("SELECT qty FROM items WHERE name = 'a'")?.int(0) }
        #expect(qty == 1)
        #expect(throws: SQLiteError.self) {
            try SQLiteConnection(path: "/nonexistent-dir-\(UUID())/x.db", readOnly: true)
        }
    }
}
