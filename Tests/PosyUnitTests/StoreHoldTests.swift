import Foundation
import PosyCore
import PosyStore
import Testing

/// ``Store/hold(limit:)``: the snapshot a backup copies, and the writes it holds back meanwhile.
@Suite struct StoreHoldTests {
    @Test func aHoldSnapshotsTheCommittedStateAndWritesWaitForTheRelease() async throws {
        let path = StoreTests.tempPath()
        let store = try Store(path: path, migrations: StoreTests.migrations)
        defer { store.close() }
        try await store.write { db in try db.run("INSERT INTO items(name, qty) VALUES ('roses', 12)") }
        let hold = try await store.hold(limit: .seconds(10))
        // A write asked for now waits for the release; its caller hears of it only then.
        let written = Locked(false)
        let pending = Task {
            try await store.write { db in try db.run("INSERT INTO items(name, qty) VALUES ('tulips', 5)") }
            written.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!written.value, "a write went through a hold")
        #expect(hold.release(), "released in time, yet the hold says it ran out")
        try await pending.value
        #expect(written.value)

        // The copy is the store at the hold's instant: the write after it is not there, and it is one file.
        let copy = (path as NSString).deletingLastPathComponent + "/copy.db"
        try hold.snapshot.copy(to: copy)
        hold.snapshot.close()
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
        let copied = try SQLiteConnection(path: copy, readOnly: true)
        #expect(try copied.query("SELECT name FROM items ORDER BY name").compactMap { $0.string(0) } == ["roses"])
        #expect(try copied.queryOne("PRAGMA integrity_check")?.string(0) == "ok")
        #expect(try copied.queryOne("PRAGMA journal_mode")?.string(0) == "delete")
        #expect(throws: SQLiteError.self) { try hold.snapshot.copy(to: copy + ".2") }
        let live = try await store.read { db in try db.query("SELECT name FROM items ORDER BY name").compactMap { $0.string(0) } }
        #expect(live == ["roses", "tulips"])
    }

    @Test func aHoldThatRunsOutLetsWritesGoAndSaysSo() async throws {
        let store = try Store(path: StoreTests.tempPath(), migrations: StoreTests.migrations)
        defer { store.close() }
        let hold = try await store.hold(limit: .milliseconds(200))
        try await store.write { db in try db.run("INSERT INTO items(name) VALUES ('lilies')") }
        #expect(!hold.release(), "the limit ran out before the release: the snapshots would not be of one instant")
        hold.snapshot.close()
    }
}
