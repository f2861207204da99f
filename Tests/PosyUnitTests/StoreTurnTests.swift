import Foundation
import PosyCore
import PosyStore
import PosyZMQ
import Testing

/// Writes from a socket's thread commit at the end of its turn, on that thread, when the writer is
/// idle and the turn's group small; larger groups and every other caller go to the writer's thread
/// (docs/architecture.md, "Threads").
@Suite struct StoreTurnTests {
    static func threadName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aSocketsWritesCommitOnItsThreadAndOthersOnTheWriters() async throws {
        let store = try Store(path: StoreTests.tempPath(), migrations: StoreTests.migrations)
        defer { store.close() }
        let socket = try await ZMQSocket.open(.router, bind: ["inproc://turn-\(UUID().uuidString)"], name: "turn-test")
        let transactions = { store.statistics["store_transactions"]! }

        // Alone: on the socket's thread, resumed there.
        let before = transactions()
        let alone = try await Task(executorPreference: socket) { () -> [String] in
            let ran = try await store.write { db in
                try db.run("INSERT INTO items(name) VALUES (?)", "alone")
                return Self.threadName()
            }
            return [ran, Self.threadName()]
        }.value
        #expect(alone == ["posy.turn-test", "posy.turn-test"])
        #expect(transactions() == before + 1)

        // Three in one turn: one transaction, on the socket's thread.
        let small = try await Task(executorPreference: socket) { () -> [String] in
            try await Self.writeTogether(store, names: (0..<3).map { "small-\($0)" })
        }.value
        #expect(small == Array(repeating: "posy.turn-test", count: 3))
        #expect(transactions() == before + 2)

        // More than a turn keeps: handed to the writer's thread, still one transaction.
        let count = 3 * 8
        let large = try await Task(executorPreference: socket) { () -> [String] in
            try await Self.writeTogether(store, names: (0..<count).map { "large-\($0)" })
        }.value
        #expect(large == Array(repeating: "posy.db.writer", count: count))
        #expect(transactions() == before + 3)
        #expect(store.largestGroup == count)

        // Not on a socket's thread: the writer's.
        let pooled = try await store.write { db in
            try db.run("INSERT INTO items(name) VALUES (?)", "pooled")
            return Self.threadName()
        }
        #expect(pooled == "posy.db.writer")
        let stored = try await store.read { db in try db.queryOne("SELECT COUNT(*) FROM items")?.int(0) }
        #expect(stored == Int64(1 + 3 + count + 1))
        await socket.close()
    }

    /// A failing write in a turn's group rolls back alone, and a write queued on a socket's thread
    /// just before the store closes is still committed or told it failed — never left waiting.
    @Test func aTurnsGroupIsolatesFailuresAndClosingLeavesNoWriteWaiting() async throws {
        let path = StoreTests.tempPath()
        let store = try Store(path: path, migrations: StoreTests.migrations)
        let socket = try await ZMQSocket.open(.router, bind: ["inproc://turn-\(UUID().uuidString)"], name: "turn-close")
        let outcomes = await Task(executorPreference: socket) { () -> [Bool] in
            await withTaskGroup(of: Bool.self) { group in
                for name in ["a", "b", "a", "c"] {
                    group.addTask { (try? await store.write { db in try db.run("INSERT INTO items(name) VALUES (?)", name) }) != nil }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }.value
        #expect(outcomes.filter { $0 }.count == 3, "the duplicate alone fails: \(outcomes)")
        let names = try await store.read { db in try db.query("SELECT name FROM items ORDER BY name").compactMap { $0.string(0) } }
        #expect(names == ["a", "b", "c"])

        let late = Task(executorPreference: socket) { () -> Bool in
            (try? await store.write { db in try db.run("INSERT INTO items(name) VALUES (?)", "late") }) != nil
        }
        store.close()
        let committed = await late.value
        await socket.close()
        let reopened = try Store(path: path, migrations: StoreTests.migrations)
        defer { reopened.close() }
        let late2 = try await reopened.read { db in try db.queryOne("SELECT COUNT(*) FROM items WHERE name = 'late'")?.int(0) }
        #expect(late2 == (committed ? 1 : 0) as Int64)
    }

    /// Starts one write per name as child tasks of the calling task (on its executor, so in one
    /// turn of a socket's loop) and returns the thread each ran on.
    static func writeTogether(_ store: Store, names: [String]) async throws -> [String] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for name in names {
                group.addTask {
                    try await store.write { db in
                        try db.run("INSERT INTO items(name) VALUES (?)", name)
                        return Self.threadName()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
