import Foundation
import Logging
import PosyCore
import PosySchema
import PosyZMQ
import Testing

@Suite struct RPCTests {
    struct Echo: Codable, Sendable, Equatable { var text: String }
    /// A test's own methods, typed like a service's.
    static let echo = RPC<Echo, Echo>("test", "echo", grant: .everyone)

    static func server(onSocketThread: Bool = false) async throws -> RPCServer {
        let server = try await RPCServer(
            bind: "tcp://127.0.0.1:*", onSocketThread: onSocketThread, metrics: Metrics(), logger: Logger(label: "test"))
        server.register(Self.echo) { $0 }
        server.register(name: "thread") { _ in try JSON.encode(Echo(text: ZMQTests.threadName())) }
        server.register(name: "slow") { _ in
            try await Task.sleep(for: .seconds(3))
            return Data("{}".utf8)
        }
        server.register(name: "fail") { _ in throw PosyError(.conflict, "no") }
        server.register(name: "crash") { _ in throw CocoaError(.fileNoSuchFile) }
        Task { await server.run() }
        return server
    }

    @Test func thePoolKeepsOneClientPerEndpointAndReplacesItWhenAnotherIdentityAnnouncesIt() async throws {
        let pool = RPCClientPool(security: .insecure)
        let endpoint = "tcp://127.0.0.1:\(Int.random(in: 20_000...30_000))"
        let first = try await pool.client(endpoint, identity: "orders")
        #expect(try await pool.client(endpoint, identity: "orders") === first)
        // The port was taken over by another process: a client expecting orders' key would never be let in.
        let second = try await pool.client(endpoint, identity: "gateway")
        #expect(second !== first)
        #expect(try await pool.client(endpoint, identity: "gateway") === second)
        await pool.closeAll()
    }

    /// Handlers run in the shared pool, or with `onSocketThread` on the server socket's thread
    /// (docs/architecture.md, "Threads"); the same calls get the same answers either way.
    @Test(arguments: [false, true]) func callsAndStableErrorCodes(onSocketThread: Bool) async throws {
        let server = try await Self.server(onSocketThread: onSocketThread)
        try await RPCClient.withClient(server.endpoint) { (client: RPCClient) async throws in
            #expect(try await client.call(Self.echo, Echo(text: "hi")) == Echo(text: "hi"))
            let thread = try JSON.decode(Echo.self, from: try await client.call("thread")).text
            #expect((thread == "posy.rpc-server") == onSocketThread, "\(thread)")
            await #expect { try await client.call("nope") } throws: { ($0 as? PosyError)?.code == .unknownMethod }
            await #expect { try await client.call("fail") } throws: { ($0 as? PosyError)?.code == .conflict }
            await #expect { try await client.call("crash") } throws: { ($0 as? PosyError)?.code == .internal }
            await #expect { try await client.call("echo", body: Data("not json".utf8)) } throws: {
                ($0 as? PosyError)?.code == .badRequest
            }
        }
        await server.close()
    }

    @Test(arguments: [false, true]) func manyRequestsInFlight(onSocketThread: Bool) async throws {
        let server = try await Self.server(onSocketThread: onSocketThread)
        try await RPCClient.withClient(server.endpoint) { (client: RPCClient) async throws in
            let replies = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<200 {
                    group.addTask { try await client.call(Self.echo, Echo(text: "\(i)")).text == "\(i)" }
                }
                var ok = 0
                for try await r in group where r { ok += 1 }
                return ok
            }
            #expect(replies == 200)
            // A slow call (its handler sleeps 3 s) does not block the others: the fast one is
            // answered while the slow one still waits.
            let slowEnded = Locked(false)
            let slow = Task {
                _ = try? await client.call("slow", timeout: .seconds(5))
                slowEnded.withLock { $0 = true }
            }
            try await Task.sleep(for: .milliseconds(50))
            #expect(try await client.call(Self.echo, Echo(text: "fast")) == Echo(text: "fast"))
            #expect(!slowEnded.value)
            slow.cancel()
        }
        await server.close()
    }

    @Test func timeoutAndRetryOfIdempotentCalls() async throws {
        let server = try await Self.server()
        try await RPCClient.withClient(server.endpoint) { (client: RPCClient) async throws in
            await #expect { try await client.call("slow", timeout: .milliseconds(200)) } throws: {
                ($0 as? PosyError)?.code == .timeout
            }
        }
        await server.close()
        // Nobody listening: unavailable/timeout after the retries.
        try await RPCClient.withClient("tcp://127.0.0.1:1") { lonely in
            await #expect { try await lonely.call("echo", timeout: .milliseconds(100), retries: 2) } throws: {
                let code = ($0 as? PosyError)?.code
                return code == .unavailable || code == .timeout
            }
        }
    }

    /// Deadlines are kept by one sweeper per client: a call with a shorter deadline, made while a
    /// longer one waits, is still answered at its own; replies in between change nothing. The
    /// deadlines lie 2.4 s apart, so a busy machine cannot swap them.
    @Test func eachCallTimesOutAtItsOwnDeadline() async throws {
        let server = try await Self.server()
        try await RPCClient.withClient(server.endpoint) { (client: RPCClient) async throws in
            let order = Locked<[String]>([])
            let long = Task {
                do { _ = try await client.call("slow", timeout: .milliseconds(2_500)) } catch {
                    order.withLock { $0.append("long \((error as? PosyError)?.code.rawValue ?? "\(error)")") }
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            let between = Task { try await client.call(Self.echo, Echo(text: "between")) }
            do {
                _ = try await client.call("slow", timeout: .milliseconds(100))
            } catch {
                order.withLock { $0.append("short \((error as? PosyError)?.code.rawValue ?? "\(error)")") }
            }
            #expect(try await between.value == Echo(text: "between"))
            await long.value
            #expect(order.value == ["short timeout", "long timeout"])
            // With nothing waiting, calls go on as before.
            #expect(try await client.call(Self.echo, Echo(text: "after")) == Echo(text: "after"))
        }
        await server.close()
    }

    /// At shutdown (its run cancelled) a server turns new requests away with `unavailable` and
    /// lets the one it is handling finish and answer before its run returns.
    @Test(arguments: [false, true]) func shutdownFinishesWhatItStartedAndTurnsNewRequestsAway(onSocketThread: Bool) async throws {
        let server = try await RPCServer(
            bind: "tcp://127.0.0.1:*", onSocketThread: onSocketThread, metrics: Metrics(), logger: Logger(label: "test"))
        let (entered, enteredNow) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseNow) = AsyncStream.makeStream(of: Void.self)
        server.register(name: "hold") { _ in
            enteredNow.yield()
            for await _ in release { break }
            return Data(#"{"held":true}"#.utf8)
        }
        server.register(Self.echo) { $0 }
        let running = Task { await server.run() }
        try await RPCClient.withClient(server.endpoint) { (client: RPCClient) async throws in
            let held = Task { try await client.call("hold", timeout: .seconds(10)) }
            for await _ in entered { break }
            running.cancel()
            // The run notices its cancellation on its own task: from then on, new requests are refused.
            var refused = false
            for _ in 0..<250 where !refused {
                do {
                    _ = try await client.call(Self.echo, Echo(text: "late"), timeout: .seconds(5))
                    try await Task.sleep(for: .milliseconds(20))
                } catch let e as PosyError where e.code == .unavailable {
                    refused = true
                }
            }
            #expect(refused)
            releaseNow.yield()
            #expect(try await held.value == Data(#"{"held":true}"#.utf8))
            await running.value
        }
        await server.close()
    }

    @Test func retryReachesAServerThatStartsLate() async throws {
        // Reserve a port, then start the server on it only after the first call went out.
        let probe = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"])
        let endpoint = probe.boundEndpoints[0]
        await probe.close()
        let server = try await RPCClient.withClient(endpoint) { client in
            let call = Task { try await client.call(Self.echo, Echo(text: "late"), timeout: .milliseconds(300), retries: 10) }
            try await Task.sleep(for: .milliseconds(400))
            let server = try await RPCServer(bind: endpoint, metrics: Metrics(), logger: Logger(label: "test"))
            server.register(Self.echo) { $0 }
            Task { await server.run() }
            #expect(try await call.value == Echo(text: "late"))
            return server
        }
        await server.close()
    }

    @Test func malformedRequestsGetErrorReplies() async throws {
        let server = try await Self.server()
        let dealer = try await ZMQSocket.open(.dealer, connect: [server.endpoint])
        try await dealer.send([Data("r1".utf8), Data("echo".utf8)])  // missing body frame
        let a = try #require(await receive(dealer))
        #expect(a[0] == Data("r1".utf8))
        #expect(String(decoding: a[1], as: UTF8.self) == "error")
        #expect(try JSON.decode(PosyError.self, from: a[2]).code == .badFrames)
        var junk = Data(count: 1 << 20)
        junk.withUnsafeMutableBytes { p in for i in 0..<p.count { p[i] = UInt8(truncatingIfNeeded: i &* 31) } }
        try await dealer.send([Data("r2".utf8), junk, junk])
        let b = try #require(await receive(dealer))
        #expect(try JSON.decode(PosyError.self, from: b[2]).code == .unknownMethod)
        try await dealer.send([Data("r3".utf8), Data("echo".utf8), Data("{}".utf8)])  // valid JSON, wrong type
        let c = try #require(await receive(dealer))
        #expect(try JSON.decode(PosyError.self, from: c[2]).code == .badRequest)
        await dealer.close()
        await server.close()
    }
}
