import Foundation
import Logging
import PosySchema
import PosyStore
import PosyZMQ
import Testing

@testable import PosyCore

/// Work nobody waits for any more is skipped: the caller's budget rides on the request id, the
/// handler runs under it, and the store answers a job whose deadline passed in its queue instead of
/// running it (docs/architecture.md, "Deadlines").
@Suite struct CallDeadlineTests {
    struct Item: Codable, Sendable { var name: String }
    struct Remaining: Codable, Sendable { var ms: Int? }

    @Test func aRequestIdCarriesItsBudgetOrNone() {
        #expect(RPCRequestId.budget(in: Data("ab12-7/250".utf8)) == .milliseconds(250))
        #expect(RPCRequestId.budget(in: Data("a/b/9999999".utf8)) == .milliseconds(9_999_999))
        // Made by a client: rounded up, never zero.
        #expect(RPCRequestId.budget(in: RPCRequestId.make("ab12", 7, budget: .microseconds(1_500))) == .milliseconds(2))
        #expect(RPCRequestId.budget(in: RPCRequestId.make("ab12", 8, budget: .zero)) == .milliseconds(1))
        #expect(RPCRequestId.make("ab12", 9, budget: .seconds(2)) == Data("ab12-9/2000".utf8))
        // Ids of other clients, or hostile ones, carry none: they are served as before.
        for none in ["r1", "ab12-7", "ab12-7/", "/", "a/12x", "a/12345678", "a/-5", "a/1 ", ""] {
            #expect(RPCRequestId.budget(in: Data(none.utf8)) == nil, "\(none)")
        }
        #expect(RPCRequestId.budget(in: Data([0x2F, 0x31, 0xFF])) == nil)
    }

    /// A write queued behind a slow one, whose deadline passes while it waits, never runs and its
    /// caller hears `Expired`; a write whose caller still waits, and one with no deadline, run.
    /// A read whose deadline has passed is skipped too.
    @Test func theStoreSkipsJobsWhoseCallerStoppedWaiting() async throws {
        let store = try Store(path: StoreTests.tempPath(), migrations: StoreTests.migrations)
        defer { store.close() }
        let release = DispatchSemaphore(value: 0)
        let (entered, enteredNow) = AsyncStream.makeStream(of: Void.self)
        let slow = Task {
            try await store.write { _ in
                enteredNow.yield()
                release.wait()
            }
        }
        for await _ in entered { break }
        let soon = ContinuousClock.now + .milliseconds(100)
        let insert = { @Sendable (name: String) in
            try await store.write { db in try db.run("INSERT INTO items(name) VALUES (?)", name) }
        }
        let late = Task { try await CallDeadline.$current.withValue(soon) { try await insert("late") } }
        let live = Task { try await CallDeadline.$current.withValue(soon + .seconds(60)) { try await insert("live") } }
        let plain = Task { try await insert("plain") }
        // The writer is released only after the late job's deadline: it cannot have begun in time.
        try await Task.sleep(until: soon + .milliseconds(50))
        release.signal()
        try await slow.value
        await #expect(throws: CallDeadline.Expired.self) { try await late.value }
        _ = try await live.value
        _ = try await plain.value
        let names = try await store.read { db in try db.query("SELECT name FROM items ORDER BY name").compactMap { $0.string(0) } }
        #expect(names == ["live", "plain"])
        await #expect(throws: CallDeadline.Expired.self) {
            try await CallDeadline.$current.withValue(.now - .milliseconds(1)) {
                try await store.read { db in try db.query("SELECT name FROM items").count }
            }
        }
        #expect(store.statistics["store_expired_jobs"] == 2)
        #expect(store.statistics["store_failed_jobs"] == 0)
    }

    /// Through a real RPC server: a call that timed out while the store was busy is neither written
    /// nor answered; a call that still waits and a request from a client that sends no budget are
    /// both written and answered.
    @Test func aCallThatTimedOutIsNeitherWrittenNorAnswered() async throws {
        let store = try Store(path: StoreTests.tempPath(), migrations: StoreTests.migrations)
        defer { store.close() }
        let metrics = Metrics()
        let server = try await RPCServer(bind: "tcp://127.0.0.1:*", metrics: metrics, logger: Logger(label: "test"))
        let release = DispatchSemaphore(value: 0)
        let (entered, enteredNow) = AsyncStream.makeStream(of: Void.self)
        server.register(name: "hold") { _ in
            try await store.write { _ in
                enteredNow.yield()
                release.wait()
            }
            return Data("{}".utf8)
        }
        server.register(name: "put") { request in
            let item = try request.decode(Item.self)
            try await store.write { db in try db.run("INSERT INTO items(name) VALUES (?)", item.name) }
            return Data("{}".utf8)
        }
        Task { await server.run() }
        let dealer = try await ZMQSocket.open(.dealer, connect: [server.endpoint])
        try await RPCClient.withClient(server.endpoint) { (client: RPCClient) async throws in
            let hold = Task { try await client.call("hold", timeout: .seconds(30)) }
            for await _ in entered { break }
            let late = Task { try await client.call("put", body: try JSON.encode(Item(name: "late")), timeout: .milliseconds(100)) }
            let live = Task { try await client.call("put", body: try JSON.encode(Item(name: "live")), timeout: .seconds(30)) }
            // A client that knows nothing of budgets.
            try await dealer.send([Data("old-1".utf8), Data("put".utf8), try JSON.encode(Item(name: "old"))])
            while metrics.counter("rpc_requests.put") < 3 { try await Task.sleep(for: .milliseconds(10)) }
            await #expect { try await late.value } throws: { ($0 as? PosyError)?.code == .timeout }
            // Every request has arrived and the late one's deadline (100 ms from its sending) has passed.
            release.signal()
            _ = try await hold.value
            _ = try await live.value
            let old = try #require(await receive(dealer))
            #expect(old[0] == Data("old-1".utf8) && old[1] == Data(RPCStatus.ok.utf8))
        }
        let names = try await store.read { db in try db.query("SELECT name FROM items ORDER BY name").compactMap { $0.string(0) } }
        #expect(names == ["live", "old"])
        #expect(server.expiredRequests == 1)
        // Nothing else came back on the raw connection: the late request was the client's, not its.
        #expect(await receive(dealer, within: .milliseconds(200)) == nil)
        await dealer.close()
        await server.close()
    }

    /// A handler's own calls end with its caller's deadline at the latest: the inner server sees the
    /// outer budget, not the inner call's longer timeout.
    @Test func aHandlersCallsInheritItsDeadline() async throws {
        let remaining: RPCServer.Handler = { _ in
            try JSON.encode(Remaining(ms: CallDeadline.current.map { Int(($0 - .now) / .milliseconds(1)) }))
        }
        let inner = try await RPCServer(bind: "tcp://127.0.0.1:*", metrics: Metrics(), logger: Logger(label: "test"))
        inner.register(name: "remaining", remaining)
        Task { await inner.run() }
        let outer = try await RPCServer(bind: "tcp://127.0.0.1:*", metrics: Metrics(), logger: Logger(label: "test"))
        let innerEndpoint = inner.endpoint
        outer.register(name: "relay") { _ in
            try await RPCClient.withClient(innerEndpoint) { try await $0.call("remaining", timeout: .seconds(60)) }
        }
        Task { await outer.run() }
        try await RPCClient.withClient(outer.endpoint) { (client: RPCClient) async throws in
            let relayed = try JSON.decode(Remaining.self, from: try await client.call("relay", timeout: .seconds(3))).ms
            #expect(relayed.map { $0 > 0 && $0 <= 3_000 } == true, "\(String(describing: relayed))")
        }
        try await RPCClient.withClient(innerEndpoint) { (client: RPCClient) async throws in
            let direct = try JSON.decode(Remaining.self, from: try await client.call("remaining", timeout: .seconds(60))).ms
            #expect(direct.map { $0 > 3_000 && $0 <= 60_000 } == true, "\(String(describing: direct))")
        }
        await outer.close()
        await inner.close()
    }
}
