import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosySchema
import Testing

extension FaultIntegration {
    /// SIGKILL `posy-orders` in the middle of a burst of creations whose client retries with the same
    /// Idempotency-Key: exactly one order per key, and each `order.placed` reaches a subscriber once.
    @Suite(.serialized) struct OrdersFaultTests {
        @Test(.timeLimit(.minutes(4)))
        func burstOfCreationsSurvivesSIGKILLOfOrders() async throws {
            let suite = try Integration.SuiteTests.Suite("orders-burst")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            // A key issued to the sink while the suite runs: the bus and orders admit it when it first
            // connects, and it reads what it was granted (docs/protocol.md, "Who may read what").
            try SuiteKeyring.create(directory: suite.keysDir, identities: ["sink"])
            try SuiteKeyring.grant(directory: suite.keysDir, identity: "sink", read: ["sys.heartbeat", "order.placed"])
            let sink = Child(
                "sink", "posy",
                [
                    "dev", "sink", "--topic", "order.placed", "--instance", "sink-placed",
                    "--data-dir", "\(suite.dir)/sink", "--rpc", "tcp://127.0.0.1:*",
                ] + suite.busArgs.dropLast(2),
                logDir: suite.dir)
            try sink.start()
            let signer = try suite.signer()
            let admin = try signer.mint(sub: "a1", role: .admin, ttl: 600)
            let staff = try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 600)
            let base = "http://127.0.0.1:\(suite.httpPort)"
            #expect(
                await Harness.http(
                    "POST", base + "/v1/shops", token: admin,
                    json: ["id": "s1", "name": "Lily's", "address": "1 Flower St", "lat": 31.2, "lon": 121.4, "timeZone": "Asia/Shanghai"]
                ).0 == 201)
            let order: [String: Any] = [
                "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                "recipient": ["name": "Mother", "address": "12 Garden Rd", "lat": 31.23, "lon": 121.47],
                "items": [["name": "carnations", "quantity": 12]],
                "window": ["start": "2026-05-10T10:00:00Z", "end": "2026-05-10T12:00:00Z"],
            ]
            let orderJSON = try JSONSerialization.data(withJSONObject: order)
            let total = 1_000
            let next = Locked(0)
            let ids = Locked<[Int: String]>([:])
            let retries = Locked(0)
            // The pid is read before the burst: /healthz asks every service, and under the burst that
            // took long enough for all 1,000 creations to finish before the kill.
            let ordersPid = suite.row(await suite.health().1, "orders")?["pid"] as? Int
            // The worker that records the 300th order kills posy-orders itself, while the others'
            // requests are in flight: a separate watcher could be starved until the burst was over.
            let killed = Locked(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while true {
                            let i = next.withLock { v -> Int in
                                v += 1
                                return v - 1
                            }
                            if i >= total { return }
                            var attempts = 0
                            while true {
                                let (status, body) = await Harness.http(
                                    "POST", base + "/v1/orders", token: staff, rawBody: orderJSON,
                                    headers: ["Idempotency-Key": "burst-\(i)", "Content-Type": "application/json"])
                                if status == 201, let id = (body as? [String: Any])?["id"] as? String {
                                    let count = ids.withLock { ids -> Int in
                                        ids[i] = id
                                        return ids.count
                                    }
                                    if count >= 300, let ordersPid,
                                        killed.withLock({ k in
                                            defer { k = true }
                                            return !k
                                        })
                                    {
                                        kill(Int32(ordersPid), SIGKILL)
                                    }
                                    break
                                }
                                attempts += 1
                                retries.withLock { $0 += 1 }
                                #expect(attempts < 300, "order \(i) never created: \(status) \(String(describing: body))")
                                if attempts >= 300 { return }
                                try await Task.sleep(for: .milliseconds(50))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(ordersPid != nil && killed.value)
            // The burst spans the kill: 300 created before it, the rest by the restarted process. The
            // requests in flight at that moment usually time out and are sent again with their key
            // (retried); where the restart takes them from the queue before any reply was lost, none
            // is — the counts below hold either way.
            print("orders burst: \(retries.value) retries across the SIGKILL")
            #expect(suite.up.log.contains("orders exited (signal 9)"))
            #expect(ids.value.count == total)
            #expect(Set(ids.value.values).count == total, "two keys got the same order")

            // Exactly 1,000 orders in the store, and one order.placed each.
            let orders = try Harness.query("\(suite.dir)/data/orders.db", "SELECT COUNT(*) FROM orders")
            #expect(orders.first?.int(0) == Int64(total))
            let placed = try Harness.query(
                "\(suite.dir)/data/orders.db", "SELECT COUNT(*), MAX(seq) FROM outbox WHERE topic = 'order.placed'")
            #expect(placed.first?.int(0) == Int64(total) && placed.first?.int(1) == Int64(total))
            let sinkDB = "\(suite.dir)/sink/sink-placed.db"
            let applied = await Harness.waitFor(.seconds(30)) {
                (try? Harness.query(sinkDB, "SELECT COUNT(*) FROM effects").first?.int(0)) == Int64(total)
            }
            #expect(applied)
            try await Task.sleep(for: .milliseconds(2500))
            let effects = try Harness.query(
                sinkDB, "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM effects WHERE topic = 'order.placed'")
            #expect(effects.first.map { [$0.int(0), $0.int(1), $0.int(2), $0.int(3)] } == [Int64(total), Int64(total), 1, Int64(total)])

            // The key is posy-orders' own rule, not the gateway's: over RPC (as the gateway, for
            // the same staff member) the same key twice is the same order, another body with it 409.
            let newOrder = try JSONDecoder().decode(NewOrder.self, from: orderJSON)
            let ordersRPC = "tcp://127.0.0.1:\(suite.rpcBase)"
            let staffMember = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
            let (first, again, other) = try await RPCClient.withClient(
                ordersRPC, curve: try suite.curve(to: ServiceName.orders, as: ServiceName.gateway)
            ) {
                client in
                let request = OrdersRPC.CreateRequest(order: newOrder, idempotencyKey: "rpc-key-1")
                let first = try await client.call(OrdersRPC.create, request, as: staffMember)
                let again = try await client.call(OrdersRPC.create, request, as: staffMember)
                var changed = newOrder
                changed.notes = "another order"
                let other: ErrorCode?
                do {
                    _ = try await client.call(OrdersRPC.create, .init(order: changed, idempotencyKey: "rpc-key-1"), as: staffMember)
                    other = nil
                } catch let e as PosyError {
                    other = e.code
                }
                return (first, again, other)
            }
            #expect(again.id == first.id && again == first)
            #expect(other == .conflict)
            await sink.terminate()
            #expect(await suite.stop())
        }
    }
}
