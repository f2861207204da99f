import Foundation
import PosyCore
import PosySchema
import Synchronization
import Testing

extension FaultIntegration {
    /// Chat under faults: a messaging shard killed with SIGKILL in the middle of a burst over both shards.
    @Suite(.serialized) struct ChatFaultTests {
        typealias Shop = Integration.ReceiptsAPITests.Shop

        final class Lane: @unchecked Sendable {
            let lock = NSLock()
            var acked: [String: (conversation: String, seq: Int)] = [:]
            var ackTimes: [ContinuousClock.Instant] = []
            var failures: [ContinuousClock.Instant] = []
            func ack(_ id: String, _ conversation: String, _ seq: Int) {
                lock.withLock {
                    acked[id] = (conversation, seq)
                    ackTimes.append(.now)
                }
            }
            func fail() { lock.withLock { failures.append(.now) } }
            var count: Int { lock.withLock { acked.count } }
        }

        final class Ticket: Sendable {
            let value = Atomic<Int>(0)
            func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
        }

        /// Sends `total` messages round-robin over `conversations` on 16 concurrent lanes; a failed send
        /// is retried with the same clientMsgId until it is acked.
        static func burst(_ device: ChatClient, prefix: String, conversations: [String], total: Int, into lane: Lane) async {
            let next = Ticket()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        while true {
                            let i = next.take()
                            guard i < total else { return }
                            let conversation = conversations[i % conversations.count]
                            let id = "\(prefix)-\(i)"
                            while true {
                                let r = try? await device.call(
                                    [
                                        "type": "msg.send", "conversationId": conversation, "clientMsgId": id,
                                        "kind": "text", "text": "burst \(i)",
                                    ], timeout: .seconds(30))
                                if r?["ok"] as? Bool == true,
                                    let seq = ((r?["data"] as? [String: Any])?["message"] as? [String: Any])?["seq"] as? Int
                                {
                                    lane.ack(id, conversation, seq)
                                    break
                                }
                                lane.fail()
                                try? await Task.sleep(for: .milliseconds(100))
                            }
                        }
                    }
                }
            }
        }

        @Test(.timeLimit(.minutes(6)))
        func sigkillOfAShardMidBurstKeepsEveryAckedMessageAndStoresRetriesOnce() async throws {
            let suite = try Integration.SuiteTests.Suite("chat-fault")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            var byShard: [String: [String]] = ["messaging-1": [], "messaging-2": []]
            while byShard.values.contains(where: { $0.count < 2 }) {
                let (_, conversation) = try await Integration.ChatTests.acceptedOrder(shop)
                byShard[MessagingRPC.instance(of: conversation) ?? "?", default: []].append(conversation)
            }
            for c in byShard.values.joined() {
                #expect(await Integration.ChatTests.conversation(shop, c, token: shop.customer, lastSeq: 3) != nil, "\(c) never opened")
            }
            let shards = byShard
            let victimPid = try #require(suite.row(await suite.health().1, "messaging-1")?["pid"] as? Int)
            let a = ChatClient(port: suite.httpPort, token: shop.customer, name: "a")
            let b = ChatClient(port: suite.httpPort, token: shop.customer, name: "b")
            #expect(await a.connected())
            #expect(await b.connected())
            let laneA = Lane()
            let laneB = Lane()
            let killedAt = Locked<ContinuousClock.Instant?>(nil)
            async let killer: Void = {
                _ = await Harness.waitFor(.seconds(60), poll: .milliseconds(5)) { laneA.count >= 800 }
                kill(pid_t(victimPid), SIGKILL)
                killedAt.withLock { $0 = .now }
            }()
            async let sendA: Void = Self.burst(a, prefix: "a", conversations: shards["messaging-1"]!, total: 2500, into: laneA)
            async let sendB: Void = Self.burst(b, prefix: "b", conversations: shards["messaging-2"]!, total: 2500, into: laneB)
            _ = await (killer, sendA, sendB)

            let killTime = try #require(killedAt.value)
            // The killed shard's sends stalled (in-flight ones wait or fail and are retried); the other shard
            // never failed and kept acking through the stall.
            #expect(laneB.failures.isEmpty, "the other shard failed \(laneB.failures.count) sends")
            let afterKill = laneA.lock.withLock { [killTime] + laneA.ackTimes.filter { $0 > killTime }.sorted() }
            let stall = zip(afterKill, afterKill.dropFirst()).max { ($0.1 - $0.0) < ($1.1 - $1.0) }
            let (stallStart, stallEnd) = try #require(stall)
            #expect(stallEnd - stallStart > .seconds(1), "shard 1 was down for a while: longest pause \(stallEnd - stallStart)")
            let servedMeanwhile = laneB.lock.withLock { laneB.ackTimes.filter { $0 > stallStart && $0 < stallEnd }.count }
            #expect(servedMeanwhile > 0, "shard 2 acked nothing while shard 1 was down")
            #expect(laneA.count == 2500 && laneB.count == 2500)
            let newPid = suite.row(await suite.health().1, "messaging-1")?["pid"] as? Int
            #expect(newPid != nil && newPid != victimPid, "posy up restarted the shard")

            // Every acked message is stored with the seq it was acked with; every clientMsgId exactly once.
            for (prefix, lane, shard) in [("a", laneA, "messaging-1"), ("b", laneB, "messaging-2")] {
                var stored: [String: (String, Int)] = [:]
                var copies = 0
                for c in byShard[shard]! {
                    let messages = await Integration.ChatTests.messages(shop, c, token: shop.customer)
                    #expect(messages.map { $0["seq"] as? Int ?? 0 } == Array(1...messages.count), "\(c): seqs without holes")
                    for m in messages {
                        guard let id = m["clientMsgId"] as? String, id.hasPrefix(prefix + "-") else { continue }
                        if stored[id] != nil { copies += 1 }
                        stored[id] = (c, m["seq"] as? Int ?? -1)
                    }
                }
                #expect(copies == 0, "\(shard): \(copies) messages stored twice")
                #expect(stored.count == 2500, "\(shard): \(stored.count) of 2500 stored")
                let mismatched = lane.acked.filter { id, ack in stored[id].map { $0.0 != ack.conversation || $0.1 != ack.seq } ?? true }
                #expect(
                    mismatched.isEmpty,
                    "\(shard): \(mismatched.count) acked messages missing or moved, e.g. \(mismatched.first.map { "\($0)" } ?? "")")
            }
            await a.close()
            await b.close()
            #expect(await suite.stop())
        }
    }
}
