import Foundation
import PosyCore
import PosySchema
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension FaultIntegration {
    /// Upgrades without a stop (docs/protocol.md, "Versions and upgrades"; docs/operations.md,
    /// "Upgrades"): a neighbour one protocol ahead is tolerated and an event that needs it refused
    /// loudly, never skipped; every service restarted one at a time under load loses and doubles nothing.
    @Suite(.serialized) struct UpgradeTests {
        @Test(.timeLimit(.minutes(3)))
        func anEventNeedingANewerProtocolWaitsLoudlyWhileTheRestGoesOn() async throws {
            let suite = try Integration.SuiteTests.Suite("next-version")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/next_version_peer.py").path
            let (status, out) = try await Harness.run(
                path: "python3",
                [
                    script, "--bus-sub", "tcp://127.0.0.1:\(suite.busPort + 1)", "--bus-pub", "tcp://127.0.0.1:\(suite.busPort)",
                    "--keys-dir", suite.keysDir,
                ], timeout: .seconds(60))
            #expect(status == 0, "\(out)")
            let report = try #require(Harness.report(out), "no report in:\n\(out)")
            let acks = report["acks"] as? [String: [String]] ?? [:]
            // The same version's probe: applied by every store. The next version's: by none, nor the one after it on its stream.
            #expect(Set(acks["control"] ?? []) == Set(suite.stores), "\(acks)")
            #expect(acks["needsNext"] == [] && acks["afterIt"] == [], "an event that needs protocol 2 was applied or passed over: \(acks)")
            // Said loudly, with the neighbour's version, and counted.
            let log = suite.up.log
            #expect(
                log.contains("an event needs a newer protocol than this process speaks") && log.contains("peerVersion=0.2.0-next"),
                "\(log.suffix(3000))")
            #expect(log.contains("a rolling upgrade is under way"))
            for store in suite.stores {
                let (_, health) = await suite.health()
                let rpc = try #require(suite.row(health, store)?["rpc"] as? String)
                let service = String(ServiceName.identity(of: store))
                let stats = try await RPCClient.withClient(rpc, curve: try suite.curve(to: service)) {
                    try await $0.call(RPCMethod.stats, EmptyBody())
                }
                #expect((stats.counters["events_need_upgrade"] ?? 0) > 0, "\(store): \(stats.counters)")
            }
            #expect(await suite.stop())
        }

        @Test(.timeLimit(.minutes(5)))
        func everyServiceRestartedOneAtATimeUnderLoadLosesAndDoublesNothing() async throws {
            let suite = try Integration.SuiteTests.Suite("rolling")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Integration.ReceiptsAPITests.Shop(suite)
            let http = shop.http
            let acknowledged = FaultIntegration.BackupRestoreTests.Acknowledged()
            let load = Task {
                var n = 0
                while !Task.isCancelled {
                    n += 1
                    let placed = await shop.placeOrder()
                    guard placed.status == 201, let id = placed.json["id"] as? String,
                        let conversation = placed.json["conversationId"] as? String
                    else {
                        try? await Task.sleep(for: .milliseconds(100))
                        continue
                    }
                    // Resent with its client id until stored: a restart may cut a reply, never double a message.
                    let text = "rolling \(n)"
                    for _ in 0..<100 where !Task.isCancelled {
                        let sent = await http.json(
                            "POST", "/v1/conversations/\(conversation)/messages", token: shop.staff,
                            ["clientMsgId": "roll-\(n)", "kind": "text", "text": text])
                        if sent.status == 201 || sent.status == 200 {
                            acknowledged.add(id, conversation, text)
                            break
                        }
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
            // The order of docs/operations.md, "Upgrades": consumers before producers, the gateway, the bus last.
            for instance in ["location", "receipts", "notify", "messaging-1", "messaging-2", "orders", "gateway", "bus"] {
                let (_, health) = await suite.health()
                let pid = try #require(suite.row(health, instance)?["pid"] as? Int, "\(instance) in \(health)")
                let before = acknowledged.all.count
                kill(Int32(pid), SIGTERM)
                #expect(
                    await Harness.waitFor(.seconds(30), poll: .milliseconds(200)) {
                        let (code, now) = await suite.health()
                        return code == 200 && (suite.row(now, instance)?["pid"] as? Int).map { $0 != pid } == true
                    }, "\(instance) did not come back healthy")
                // Orders keep being taken after each restart.
                #expect(
                    await Harness.waitFor(.seconds(20), poll: .milliseconds(200)) { acknowledged.all.count > before + 2 },
                    "no order was taken after \(instance) restarted")
            }
            load.cancel()
            _ = await load.value
            let all = acknowledged.all
            #expect(all.count >= 16, "only \(all.count) orders acknowledged")
            for item in all {
                #expect(await http.request("GET", "/v1/orders/\(item.order)", token: shop.staff).status == 200, "order \(item.order) lost")
                var texts: [String] = []
                _ = await Harness.waitFor(.seconds(10)) {
                    texts = await FaultIntegration.BackupRestoreTests.texts(http, item.conversation, token: shop.staff)
                    return texts.contains(item.text)
                }
                #expect(texts.filter { $0 == item.text }.count == 1, "\(item.text) in \(item.conversation): \(texts)")
            }
            let orders = try Harness.query("\(suite.dir)/data/orders.db", "SELECT count(*) FROM orders")[0].int(0) ?? 0
            var conversations: Int64 = 0
            #expect(
                await Harness.waitFor(.seconds(20)) {
                    conversations = 0
                    for shard in ["messaging-1", "messaging-2"] {
                        conversations +=
                            (try? Harness.query("\(suite.dir)/data/\(shard).db", "SELECT count(*) FROM conversations"))?.first?.int(0) ?? 0
                    }
                    return conversations == orders
                }, "\(conversations) conversations for \(orders) orders")
            let doubled = try FaultIntegration.BackupRestoreTests.doubledCards(suite.dir)
            #expect(doubled.count == 0, "events applied twice: \(doubled.prefix(3))")
            let (ping, pingOut) = try await Harness.run(
                "posy", ["ping", "--expect", suite.stores.joined(separator: ","), "--timeout", "20"] + suite.busArgs)
            #expect(ping == 0, "\(pingOut)")
            #expect(await suite.stop())
        }
    }
}
