import Foundation
import PosyZMQ
import Testing

/// Waits for one message or gives up (tests never hang on a lost message).
func receive(_ socket: ZMQSocket, within: Duration = .seconds(5)) async -> [Data]? {
    await withTaskGroup(of: [Data]?.self) { g in
        g.addTask { await socket.inbox.next() }
        g.addTask {
            try? await Task.sleep(for: within)
            return nil
        }
        let first = await g.next()!
        g.cancelAll()
        return first
    }
}

@Suite struct ZMQTests {
    @Test func pubSubWithPrefixFilterAndMultipart() async throws {
        let pub = try await ZMQSocket.open(.pub, bind: ["tcp://127.0.0.1:*"])
        var o = ZMQSocketOptions()
        o.subscriptions = ["to.u1."]
        let sub = try await ZMQSocket.open(.sub, connect: [pub.boundEndpoints[0]], options: o)
        // Slow joiner: publish until the subscription has arrived.
        var got: [Data]?
        for _ in 0..<50 where got == nil {
            pub.post([[Data("to.u12.".utf8), Data("not for u1".utf8)], [Data("to.u1.".utf8), Data("a".utf8), Data("b".utf8)]])
            got = await receive(sub, within: .milliseconds(100))
        }
        let message = try #require(got)
        #expect(message.map { String(decoding: $0, as: UTF8.self) } == ["to.u1.", "a", "b"])
        await pub.close()
        await sub.close()
    }

    @Test func largeFramesArriveWhole() async throws {
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"])
        let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]])
        var big = Data(count: 5 << 20)
        big.withUnsafeMutableBytes { p in for i in stride(from: 0, to: p.count, by: 4096) { p[i] = UInt8(i / 4096 % 251) } }
        try await dealer.send([Data("id".utf8), big, Data()])
        let frames = try #require(await receive(router))
        #expect(frames.count == 4)  // identity + 3
        #expect(frames[2] == big)
        #expect(frames[3].isEmpty)
        // Reply routed back by identity.
        try await router.send([frames[0], Data("reply".utf8)])
        let reply = try #require(await receive(dealer))
        #expect(reply == [Data("reply".utf8)])
        await router.close()
        await dealer.close()
    }

    @Test func waitingReceiveEndsWhenItsTaskIsCancelled() async throws {
        var o = ZMQSocketOptions()
        o.subscriptions = [""]
        let sub = try await ZMQSocket.open(.sub, connect: ["tcp://127.0.0.1:1"], options: o)
        let start = ContinuousClock.now
        #expect(await receive(sub, within: .milliseconds(100)) == nil)
        #expect(ContinuousClock.now - start < .seconds(2))
        // A cancelled consumer leaves the queue intact for the next one.
        let waiter = Task { await sub.inbox.next() }
        waiter.cancel()
        #expect(await waiter.value == nil)
        await sub.close()
    }

    @Test func errorsSurfaceAsZMQError() async throws {
        let a = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"])
        await #expect(throws: ZMQError.self) { _ = try await ZMQSocket.open(.router, bind: [a.boundEndpoints[0]]) }
        await #expect(throws: ZMQError.self) { _ = try await ZMQSocket.open(.pub, bind: ["nonsense://x"]) }
        await a.close()
        await #expect(throws: ZMQError.self) { try await a.send([Data("x".utf8)]) }
    }

    @Test func immediateDealerWithoutPeerFailsFastAndClosesPromptly() async throws {
        // A peer that is gone: connect to a port nobody listens on.
        var o = ZMQSocketOptions()
        o.immediate = true
        let dealer = try await ZMQSocket.open(.dealer, connect: ["tcp://127.0.0.1:1"], options: o)
        await #expect(throws: ZMQError.self) { try await dealer.send([Data("x".utf8)]) }
        let start = ContinuousClock.now
        await dealer.close()
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func closeWithQueuedMessagesAndDeadPeerDoesNotHang() async throws {
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"])
        let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]])
        try await dealer.send([Data("hello".utf8)])
        _ = await receive(router)
        await router.close()  // the peer goes away
        for _ in 0..<100 { dealer.post([[Data(count: 1000)]]) }  // queued towards a dead peer
        let start = ContinuousClock.now
        await dealer.close()
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func fullInboxPausesReadingAndResumes() async throws {
        let pub = try await ZMQSocket.open(.pub, bind: ["tcp://127.0.0.1:*"])
        var o = ZMQSocketOptions()
        o.subscriptions = [""]
        o.inboxCapacity = 10
        let sub = try await ZMQSocket.open(.sub, connect: [pub.boundEndpoints[0]], options: o)
        var first: [Data]?
        for _ in 0..<50 where first == nil {
            pub.post([[Data("warm".utf8)]])
            first = await receive(sub, within: .milliseconds(100))
        }
        #expect(first != nil)
        for i in 0..<100 { pub.post([[Data("m\(i)".utf8)]]) }
        var seen = 0
        while let batch = await withTaskGroup(
            of: [[Data]]?.self,
            body: { g in
                g.addTask { await sub.inbox.next(max: 7) }
                g.addTask {
                    try? await Task.sleep(for: .milliseconds(500))
                    return nil
                }
                let r = await g.next()!
                g.cancelAll()
                return r
            })
        {
            #expect(batch.count <= 10)
            seen += batch.filter { String(decoding: $0[0], as: UTF8.self).hasPrefix("m") }.count
            if seen >= 100 { break }
        }
        #expect(seen == 100)
        await pub.close()
        await sub.close()
    }

    @Test func proxyForwardsAndReportsStatistics() async throws {
        let proxy = try await ZMQProxy.start(
            frontend: .xsub, bind: ["tcp://127.0.0.1:*"], options: .init(),
            backend: .xpub, bind: ["tcp://127.0.0.1:*"], options: .init())
        let pub = try await ZMQSocket.open(.pub, connect: [proxy.frontendEndpoints[0]])
        var o = ZMQSocketOptions()
        o.subscriptions = ["t."]
        let sub = try await ZMQSocket.open(.sub, connect: [proxy.backendEndpoints[0]], options: o)
        var got: [Data]?
        for _ in 0..<50 where got == nil {
            pub.post([[Data("t.x".utf8), Data("{}".utf8)]])
            got = await receive(sub, within: .milliseconds(100))
        }
        #expect(got?.count == 2)
        let stats = proxy.statistics
        #expect(stats.frontendMessagesIn >= 1)
        await pub.close()
        await sub.close()
        await proxy.terminate()
    }
}
