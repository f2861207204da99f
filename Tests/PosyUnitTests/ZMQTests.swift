import Foundation
import PosyCore
import PosyZMQ
import Synchronization
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

    /// A subscriber that falls behind drops what does not fit and keeps reading libzmq (never
    /// holding it back: docs/architecture.md, "Threads"); once it reads again it gets what is new.
    @Test func aFullInboxDropsAndKeepsReading() async throws {
        let pub = try await ZMQSocket.open(.pub, bind: ["tcp://127.0.0.1:*"])
        var o = ZMQSocketOptions()
        o.subscriptions = ["t"]
        o.inboxCapacity = 5
        o.overflow = .drop
        let sub = try await ZMQSocket.open(.sub, connect: [pub.boundEndpoints[0]], options: o)
        var joined = false
        for _ in 0..<50 where !joined {
            pub.post([[Data("t".utf8), Data("hello".utf8)]])
            joined = await receive(sub, within: .milliseconds(100)) != nil
        }
        while await receive(sub, within: .milliseconds(100)) != nil {}
        // Nobody reads meanwhile: 5 fit, the rest is dropped by the socket's thread, not queued in libzmq.
        pub.post((0..<500).map { [Data("t".utf8), Data("\($0)".utf8)] })
        let deadline = ContinuousClock.now + .seconds(5)
        while sub.overflowed < 495 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(sub.overflowed == 495, "\(sub.overflowed)")
        var kept: [String] = []
        while let m = await receive(sub, within: .milliseconds(100)) { kept.append(String(decoding: m[1], as: UTF8.self)) }
        #expect(kept == ["0", "1", "2", "3", "4"])
        pub.post([[Data("t".utf8), Data("after".utf8)]])
        #expect(await receive(sub, within: .seconds(2))?.last == Data("after".utf8))
        await pub.close()
        await sub.close()
    }

    /// A dropping subscriber whose consumer runs on the socket's own thread (the gateway's push
    /// routing) still takes everything libzmq holds in the next turn, not a batch per turn behind a
    /// busy consumer. Over inproc every message is in the socket's pipe once its send returns.
    @Test func aDroppingSocketEmptiesLibzmqEachTurnWhileItsConsumerRunsOnItsThread() async throws {
        let endpoint = "inproc://drain-\(UUID().uuidString)"
        let pub = try await ZMQSocket.open(.pub, bind: [endpoint])
        var o = ZMQSocketOptions()
        o.subscriptions = ["t"]
        o.inboxCapacity = 8
        o.overflow = .drop
        let sub = try await ZMQSocket.open(.sub, connect: [endpoint], options: o)
        var joined = false
        for _ in 0..<50 where !joined {
            pub.post([[Data("t".utf8), Data("hello".utf8)]])
            joined = await receive(sub, within: .milliseconds(100)) != nil
        }
        while await receive(sub, within: .milliseconds(100)) != nil {}
        let flood = 20_000
        let release = DispatchSemaphore(value: 0)
        let (busy, isBusy) = AsyncStream.makeStream(of: Void.self)
        let consumer = Task(executorPreference: sub) { () -> (first: String, overflowedThen: Int)? in
            guard let first = await sub.inbox.next(max: 1)?.first else { return nil }
            isBusy.yield()
            release.wait()  // a consumer busy on the socket's thread while the flood arrives
            guard await sub.inbox.next(max: 1) != nil else { return nil }
            return (String(decoding: first[1], as: UTF8.self), sub.overflowed)
        }
        try await pub.send([Data("t".utf8), Data("busy".utf8)])
        for await _ in busy { break }
        pub.post((0..<flood).map { [Data("t".utf8), Data("\($0)".utf8)] })
        try await pub.send([Data("t".utf8), Data("end".utf8)])  // in order: the flood has left before it
        release.signal()
        let seen = try #require(await consumer.value)
        #expect(seen.first == "busy")
        // All flood + 1 read in the first turn after the consumer returned: 8 kept, the rest dropped.
        #expect(seen.overflowedThen == flood + 1 - 8, "\(seen.overflowedThen)")
        await pub.close()
        await sub.close()
    }

    /// A server with more requests waiting than its inbox holds answers the rest at once.
    @Test func aFullInboxAnswersWhatDoesNotFit() async throws {
        var o = ZMQSocketOptions()
        o.inboxCapacity = 3
        o.overflow = .answer { frames in [frames[0], Data("busy".utf8)] }
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], options: o)
        let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]])
        dealer.post((0..<20).map { [Data("r\($0)".utf8)] })
        var busy = 0
        while let m = await receive(dealer, within: .milliseconds(500)) { busy += m == [Data("busy".utf8)] ? 1 : 0 }
        #expect(busy == 17 && router.overflowed == 17, "\(busy) \(router.overflowed)")
        var waiting: [String] = []
        while let m = await receive(router, within: .milliseconds(100)) { waiting.append(String(decoding: m[1], as: UTF8.self)) }
        #expect(waiting == ["r0", "r1", "r2"])
        await router.close()
        await dealer.close()
    }

    /// A receiver gets every message on the socket's thread (the inbox none) and what it returns
    /// is sent back at once; a send with a callback tells its outcome there too.
    @Test func aReceiverAnswersOnTheSocketsThreadAndASendTellsItsOutcome() async throws {
        let seen = Locked<[String]>([])
        var o = ZMQSocketOptions()
        o.receiver = { frames in
            seen.withLock { $0.append(String(decoding: frames[1], as: UTF8.self)) }
            return [frames[0], Data("re:".utf8) + frames[1]]
        }
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], options: o)
        let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]])
        let outcomes = Locked<[String]>([])
        for n in 0..<3 {
            dealer.post([Data("m\(n)".utf8)]) { error in outcomes.withLock { $0.append(error.map { "\($0)" } ?? "sent") } }
        }
        var answers: [String] = []
        while answers.count < 3, let m = await receive(dealer, within: .seconds(2)) {
            answers.append(String(decoding: m[0], as: UTF8.self))
        }
        #expect(answers == ["re:m0", "re:m1", "re:m2"] && seen.value == ["m0", "m1", "m2"])
        #expect(outcomes.value == ["sent", "sent", "sent"])
        #expect(await receive(router, within: .milliseconds(100)) == nil)  // nothing went to the inbox
        await dealer.close()
        let closed = Locked<String?>(nil)
        dealer.post([Data("late".utf8)]) { error in closed.withLock { $0 = error.map { "\($0)" } } }
        #expect(closed.value != nil, "a send on a closed socket is told it failed")
        await router.close()
    }

    /// A socket is a task executor: a task preferring it runs on the socket's own (named) thread,
    /// its sends from there need no wake, and a task still waiting when the socket closes goes on elsewhere.
    @Test func aTaskPreferringASocketRunsOnItsThreadAndOutlivesIt() async throws {
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], name: "exec-test")
        let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]])
        try await dealer.send([Data("hello".utf8)])
        let hello = try #require(await receive(router))
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let task = Task(executorPreference: router) { () -> [String] in
            var threads = [Self.threadName()]
            router.post([[hello[0], Data("from its thread".utf8)]])
            for await _ in gate { break }
            threads.append(Self.threadName())
            return threads
        }
        #expect(await receive(dealer, within: .seconds(2)) == [Data("from its thread".utf8)])
        await router.close()
        open.yield()
        let threads = await task.value
        #expect(threads.first == "posy.exec-test", "\(threads)")
        #expect(threads.count == 2 && threads[1] != "posy.exec-test", "resumed elsewhere once the socket closed: \(threads)")
        await dealer.close()
    }

    /// Inside `deferringWakes` a thread's commands wake each socket once, at the end; none is lost,
    /// in order, nested scopes included, on a thread that is not a task's.
    @Test func deferredWakesLoseNothing() async throws {
        let pull = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"])
        let push = try await ZMQSocket.open(.dealer, connect: [pull.boundEndpoints[0]])
        // A task started inside the scope is not part of it: its socket wakes while the scope is open.
        let arrived = DispatchSemaphore(value: 0)
        var o = ZMQSocketOptions()
        o.receiver = { _ in
            arrived.signal()
            return nil
        }
        let side = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], options: o)
        let sideDealer = try await ZMQSocket.open(.dealer, connect: [side.boundEndpoints[0]])
        let taskWasHeard = Locked(false)
        let done = DispatchSemaphore(value: 0)
        Thread {
            ZMQSocket.deferringWakes {
                for n in 0..<50 { push.post([[Data("m\(n)".utf8)]]) }
                ZMQSocket.deferringWakes { push.post([[Data("inner".utf8)]]) }
                Task { sideDealer.post([[Data("from a task".utf8)]]) }
                taskWasHeard.withLock { $0 = arrived.wait(timeout: .now() + 5) == .success }
                for n in 50..<100 { push.post([[Data("m\(n)".utf8)]]) }
            }
            done.signal()
        }.start()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                done.wait()
                c.resume()
            }
        }
        var got: [String] = []
        while got.count < 101, let m = await receive(pull, within: .seconds(2)) { got.append(String(decoding: m[1], as: UTF8.self)) }
        #expect(got == (0..<50).map { "m\($0)" } + ["inner"] + (50..<100).map { "m\($0)" })
        #expect(taskWasHeard.value, "a task started in the scope waited for the scope's end")
        await push.close()
        await pull.close()
        await sideDealer.close()
        await side.close()
    }

    /// A PUB socket is sent on from its callers' threads (docs/architecture.md, "Threads"): a
    /// publish wakes no thread of the socket's own, senders on several threads lose nothing and keep
    /// their order, and once closed a send fails instead of touching a closed socket.
    @Test func aPublisherSendsFromItsCallersThreads() async throws {
        let pub = try await ZMQSocket.open(.pub, bind: ["tcp://127.0.0.1:*"], name: "pub-direct")
        var o = ZMQSocketOptions()
        o.subscriptions = ["t"]
        let sub = try await ZMQSocket.open(.sub, connect: [pub.boundEndpoints[0]], options: o)
        var joined = false
        for _ in 0..<50 where !joined {
            pub.post([[Data("t".utf8), Data("hello".utf8)]])
            joined = await receive(sub, within: .milliseconds(100)) != nil
        }
        #expect(joined)
        while await receive(sub, within: .milliseconds(100)) != nil {}

        // One at a time, each received before the next is sent: queued for the socket's thread,
        // every one of them would wake it.
        let thread = try #require(Self.threadStatus(named: "posy.pub-direct"))
        let before = try #require(Self.voluntarySwitches(thread))
        for n in 0..<200 {
            pub.post([[Data("t".utf8), Data("one \(n)".utf8)]])
            let got = await receive(sub, within: .seconds(5))
            #expect(got?.last == Data("one \(n)".utf8))
        }
        let after = try #require(Self.voluntarySwitches(thread))
        #expect(after - before < 20, "the socket's thread woke \(after - before) times for 200 publishes")

        // Four threads at once: everything arrives, each thread's messages in its order.
        for t in 0..<4 {
            Thread {
                for n in 0..<500 { pub.post([[Data("t".utf8), Data("\(t) \(n)".utf8)]]) }
            }.start()
        }
        var next = [Int](repeating: 0, count: 4)
        var inOrder = true
        while next.reduce(0, +) < 2_000, let m = await receive(sub, within: .seconds(5)) {
            let parts = String(decoding: m[1], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
            guard parts.count == 2 else { continue }
            if parts[1] != next[parts[0]] { inOrder = false }
            next[parts[0]] = parts[1] + 1
        }
        #expect(next == [500, 500, 500, 500])
        #expect(inOrder)

        await pub.close()
        await #expect(throws: ZMQError.self) { try await pub.send([Data("t".utf8), Data("late".utf8)]) }
        let dropped = pub.droppedSends
        pub.post([[Data("t".utf8), Data("late".utf8)]])
        #expect(pub.droppedSends == dropped + 1)
        await sub.close()
    }

    /// A socket that receives and that its callers send on too (``ZMQSocketOptions/callersSend``, an
    /// RPC client's DEALER): a request leaves from its caller's thread and wakes none of the socket's,
    /// senders on several threads lose nothing, and a reply is read even when a caller's send took
    /// in the signal its arrival gave the socket's thread (docs/architecture.md, "Threads").
    @Test func aSocketItsCallersSendOnStillReadsEveryReply() async throws {
        var ro = ZMQSocketOptions()
        ro.receiver = { frames in
            // Noise is not answered: only a caller's send can take in a reply's news meanwhile.
            frames[1].starts(with: Data("noise".utf8)) ? nil : [frames[0], Data("re:".utf8) + frames[1]]
        }
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"], options: ro)
        var o = ZMQSocketOptions()
        o.callersSend = true
        // No high-water mark: libzmq then never tells the socket it may send again, a signal that
        // would also wake its thread for a reply left unread.
        o.sendHighWaterMark = 0
        let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]], options: o, name: "dealer-cs")
        func reply(within: Duration = .seconds(5)) async -> String? {
            await receive(dealer, within: within).map { String(decoding: $0[0], as: UTF8.self) }
        }

        // One at a time: each request's outcome is told on its caller's thread, and the socket's
        // thread wakes for the replies, not for the requests (queued, each would wake it too).
        let thread = try #require(Self.threadStatus(named: "posy.dealer-cs"))
        let before = try #require(Self.voluntarySwitches(thread))
        let tellers = Locked<Set<String>>([])
        for n in 0..<200 {
            dealer.post([Data("one \(n)".utf8)]) { error in
                tellers.withLock { _ = $0.insert(error == nil ? Self.threadName() : "failed") }
            }
            #expect(await reply() == "re:one \(n)")
        }
        let after = try #require(Self.voluntarySwitches(thread))
        #expect(after - before < 300, "the socket's thread woke \(after - before) times for 200 round trips")
        #expect(!tellers.value.contains("failed") && !tellers.value.contains("posy.dealer-cs"))

        // A caller sends noise without pause while another waits for each reply in turn: a reply
        // whose news the noise took in would wait for nothing else to wake the socket's thread.
        let stop = Atomic<Bool>(false)
        Thread {
            // A few a millisecond, so that the router keeps up and no ping waits behind a backlog.
            while !stop.load(ordering: .relaxed) {
                dealer.post([[Data("noise".utf8)]])
                usleep(1)
            }
        }.start()
        var answered = 0
        for n in 0..<1_000 {
            dealer.post([Data("ping \(n)".utf8)]) { _ in }
            guard await reply(within: .seconds(2)) == "re:ping \(n)" else { break }
            answered += 1
        }
        stop.store(true, ordering: .relaxed)
        #expect(answered == 1_000)

        // Four threads at once: every reply arrives, each thread's in its order.
        for t in 0..<4 {
            Thread {
                for n in 0..<500 { dealer.post([[Data("\(t) \(n)".utf8)]]) }
            }.start()
        }
        var nextOf = [Int](repeating: 0, count: 4)
        var inOrder = true
        while nextOf.reduce(0, +) < 2_000, let m = await reply() {
            let parts = m.dropFirst(3).split(separator: " ").compactMap { Int($0) }
            guard parts.count == 2 else { continue }
            if parts[1] != nextOf[parts[0]] { inOrder = false }
            nextOf[parts[0]] = parts[1] + 1
        }
        #expect(nextOf == [500, 500, 500, 500])
        #expect(inOrder)
        await dealer.close()
        await router.close()
    }

    /// `/proc/self/task/<tid>/status` of this process's thread with that name (the kernel's 15 bytes).
    static func threadStatus(named name: String) -> String? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for tid in tasks {
            let comm = (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8)) ?? ""
            if comm.trimmingCharacters(in: .whitespacesAndNewlines) == name { return "/proc/self/task/\(tid)/status" }
        }
        return nil
    }

    static func voluntarySwitches(_ status: String) -> Int? {
        let text = (try? String(contentsOfFile: status, encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("voluntary_ctxt_switches:") }) else { return nil }
        return Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
    }

    /// The calling thread's name as the kernel has it (what `top -H` shows).
    static func threadName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
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

    /// A receive that never ended would hold its task group forever: the time limit turns that
    /// into a failure, where a bound on the wall clock would fail on a busy machine instead.
    @Test(.timeLimit(.minutes(1))) func waitingReceiveEndsWhenItsTaskIsCancelled() async throws {
        var o = ZMQSocketOptions()
        o.subscriptions = [""]
        let sub = try await ZMQSocket.open(.sub, connect: ["tcp://127.0.0.1:1"], options: o)
        #expect(await receive(sub, within: .milliseconds(100)) == nil)
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

    /// Closing with linger 0 is prompt; the bound is far above a busy machine's stalls and far below
    /// libzmq's own default (wait forever, which the time limit catches).
    @Test(.timeLimit(.minutes(1))) func immediateDealerWithoutPeerFailsFastAndClosesPromptly() async throws {
        // A peer that is gone: connect to a port nobody listens on.
        var o = ZMQSocketOptions()
        o.immediate = true
        let dealer = try await ZMQSocket.open(.dealer, connect: ["tcp://127.0.0.1:1"], options: o)
        await #expect(throws: ZMQError.self) { try await dealer.send([Data("x".utf8)]) }
        let start = ContinuousClock.now
        await dealer.close()
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test(.timeLimit(.minutes(1))) func closeWithQueuedMessagesAndDeadPeerDoesNotHang() async throws {
        let router = try await ZMQSocket.open(.router, bind: ["tcp://127.0.0.1:*"])
        let dealer = try await ZMQSocket.open(.dealer, connect: [router.boundEndpoints[0]])
        try await dealer.send([Data("hello".utf8)])
        _ = await receive(router)
        await router.close()  // the peer goes away
        for _ in 0..<100 { dealer.post([[Data(count: 1000)]]) }  // queued towards a dead peer
        let start = ContinuousClock.now
        await dealer.close()
        #expect(ContinuousClock.now - start < .seconds(10))
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
