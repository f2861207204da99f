import Foundation
import PosyAuth
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// `GET /v1/stream` through the real gateway: resuming from the last id (from the gateway's
    /// feed, and after the gateway itself was SIGKILLed), and the errors before the upgrade.
    @Suite(.serialized) struct StreamTests {
        @Test(.timeLimit(.minutes(3)))
        func resumesFromTheLastIdAcrossDisconnectsAndAGatewayKill() async throws {
            let suite = try SuiteTests.Suite("stream")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let signer = try suite.signer()
            let admin = try signer.mint(sub: "a1", role: .admin, ttl: 600)
            let staff = try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 600)
            let courier = try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 600)
            let base = "http://127.0.0.1:\(suite.httpPort)"
            func post(_ path: String, _ token: String, _ json: [String: Any] = [:]) async -> (Int, [String: Any]) {
                let (status, body) = await Harness.http("POST", base + path, token: token, json: json)
                return (status, body as? [String: Any] ?? [:])
            }
            #expect(
                await post("/v1/shops", admin, ["id": "s1", "name": "Lily's", "address": "x", "lat": 31, "lon": 121, "timeZone": "UTC"]).0
                    == 201)
            #expect(
                await post("/v1/shops/s1/couriers", admin, ["id": "k1", "name": "Li Wei", "phone": "+86 131 0000 0001", "vehicle": "bike"])
                    .0 == 201)
            func create() async throws -> String {
                let (status, order) = await post(
                    "/v1/orders", staff,
                    [
                        "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                        "recipient": ["name": "Mother", "address": "12 Garden Rd", "lat": 31.23, "lon": 121.47],
                        "items": [["name": "carnations", "quantity": 12]],
                        "window": ["start": "2026-05-10T10:00:00Z", "end": "2026-05-10T12:00:00Z"],
                    ])
                #expect(status == 201)
                return try #require(order["id"] as? String)
            }
            // Errors come before the upgrade, as JSON.
            let (noToken, noTokenBody) = await Harness.http("GET", base + "/v1/stream")
            #expect(noToken == 401 && (noTokenBody as? [String: Any])?["code"] as? String == "unauthorized")
            let (plain, plainBody) = await Harness.http("GET", base + "/v1/stream", token: staff)
            #expect(plain == 426 && (plainBody as? [String: Any])?["code"] as? String == "upgrade_required")
            let (badId, badIdBody) = await Harness.http("GET", base + "/v1/stream?after=%21%21", token: staff)
            #expect(badId == 400 && (badIdBody as? [String: Any])?["code"] as? String == "bad_request")
            let forged = StreamClient(port: suite.httpPort, token: staff + "x")
            #expect(await forged.wait { $0.ended.value != nil }, "a forged token was upgraded")
            #expect(forged.frames.value.isEmpty)

            // Live, then disconnected while the order moves on, then resumed with the last id.
            let first = StreamClient(port: suite.httpPort, token: staff)
            #expect(await first.wait { !$0.messages.isEmpty })
            let id = try await create()
            #expect(await post("/v1/orders/\(id)/confirm", staff).0 == 200)
            #expect(await first.waitForEvent("order.confirmed", order: id) != nil)
            let lastSeen = try #require(first.lastId)
            await first.close()
            #expect(await post("/v1/orders/\(id)/assign", staff, ["courierId": "k1"]).0 == 200)
            #expect(await post("/v1/orders/\(id)/accept", courier).0 == 200)
            let second = StreamClient(port: suite.httpPort, token: staff, after: lastSeen)
            #expect(await second.wait { $0.events.count >= 2 })
            #expect(await post("/v1/orders/\(id)/pickup", courier).0 == 200)
            #expect(await second.waitForEvent("order.pickedUp", order: id) != nil)
            #expect(
                second.events.map { $0["type"] as? String } == ["order.assigned", "order.accepted", "order.pickedUp"],
                "\(second.frames.value)")
            let beforeKill = try #require(second.lastId)
            await second.close()

            // SIGKILL the gateway: the restarted one has an empty feed, so the missed events come
            // from posy-orders (events.since) — with the id in `Last-Event-ID` this time.
            let (_, pids) = try await Harness.run(path: "pgrep", ["-f", "posy-gateway.*--http-port \(suite.httpPort)"])
            let gatewayPid = try #require(pids.split(separator: "\n").compactMap { Int32($0) }.first, "gateway pid")
            kill(gatewayPid, SIGKILL)
            #expect(await Harness.waitFor(.seconds(10)) { await Harness.get(base + "/healthz").0 == 0 }, "the gateway was still answering")
            // posy up restarts it; the order moved on meanwhile through the new gateway.
            #expect(await Harness.waitFor(.seconds(30)) { await post("/v1/orders/\(id)/depart", courier).0 == 200 })
            let other = try await create()
            let third = StreamClient(port: suite.httpPort, token: staff, lastEventID: beforeKill)
            #expect(await third.wait { $0.events.count >= 2 }, "\(third.frames.value) \(third.ended.value ?? "")")
            #expect(third.events.map { $0["type"] as? String } == ["order.outForDelivery", "order.placed"])
            #expect(third.orderIds == [id, other])
            // And live again after the resumed part.
            #expect(await post("/v1/orders/\(other)/cancel", staff, ["reason": "customer called"]).0 == 200)
            #expect(await third.waitForEvent("order.cancelled", order: other) != nil)
            // Every event of the three connections, once, in log order.
            let all = (second.events + third.events).compactMap { $0["pos"] as? Int }
            #expect(all == all.sorted() && Set(all).count == all.count, "\(all)")
            await third.close()

            // An id ahead of the source (made up) starts from the head with a reset, then streams live.
            let lastId = try #require(third.lastId)
            let idText = String(decoding: Data(base64Encoded: Self.padded(lastId)) ?? Data(), as: UTF8.self)
            // The id holds one `src:epoch:pos` per streamed source (orders, receipts); push orders ahead.
            let segments = idText.split(separator: ";").map(String.init)
            let parts = try #require(segments.first { $0.hasPrefix("orders:") }, "\(idText)").split(separator: ":").map(String.init)
            try #require(parts.count == 3, "\(idText)")
            let others = segments.filter { !$0.hasPrefix("orders:") }
            let ahead = Data(([("\(parts[0]):\(parts[1]):999999")] + others).joined(separator: ";").utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            let fourth = StreamClient(port: suite.httpPort, token: staff, after: ahead)
            #expect(await fourth.wait { $0.messages.count >= 2 })
            #expect(fourth.messages.map { $0["type"] as? String } == ["stream.open", "stream.reset"], "\(fourth.frames.value)")
            #expect(await post("/v1/orders/\(id)/fail", courier, ["reason": "nobody home"]).0 == 200)
            #expect(await fourth.waitForEvent("order.failed", order: id) != nil, "\(fourth.frames.value)")
            await fourth.close()

            // A tracking link's page passes its token in the query; a new connection starts now (no
            // history). Nobody else's token may ride in a URL (it would end up in logs).
            let link = try suite.signer().mint(sub: "c1", role: .customer, order: id, ttl: 600)
            let browser = StreamClient(port: suite.httpPort, token: link, queryToken: true)
            #expect(await browser.wait { !$0.messages.isEmpty }, "\(browser.ended.value ?? "")")
            #expect(browser.messages.first?["type"] as? String == "stream.open" && browser.events.isEmpty)
            await browser.close()
            let courierInURL = StreamClient(port: suite.httpPort, token: courier, queryToken: true)
            #expect(await courierInURL.wait { $0.ended.value != nil })
            #expect(courierInURL.messages.isEmpty, "\(courierInURL.frames.value)")
            await courierInURL.close()
            #expect(await suite.stop())
        }

        static func padded(_ base64url: String) -> String {
            let b = base64url.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            return b + String(repeating: "=", count: (4 - b.count % 4) % 4)
        }

        @Test(.timeLimit(.minutes(2)))
        func closesWhenTheTokenExpires() async throws {
            let suite = try SuiteTests.Suite("stream-exp")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shortLived = try suite.signer().mint(sub: "st1", role: .staff, shop: "s1", ttl: 2)
            let client = StreamClient(port: suite.httpPort, token: shortLived)
            #expect(await client.wait { !$0.messages.isEmpty })
            #expect(await client.wait(.seconds(10)) { $0.ended.value != nil })
            #expect(client.ended.value?.contains("4001") == true, "\(client.ended.value ?? "")")
            // Expired before it was opened: refused at the upgrade, not a frame sent.
            let stale = StreamClient(port: suite.httpPort, token: shortLived)
            #expect(await stale.wait(.seconds(5)) { $0.ended.value != nil })
            #expect(
                stale.messages.isEmpty && stale.ended.value?.hasPrefix("error") == true, "\(stale.ended.value ?? "") \(stale.frames.value)")
            #expect(await suite.stop())
        }

        /// An event wakes only the streams it may concern: forty consoles of another shop sleep
        /// through a whole order of shop s1 (the gateway's `stream_wakeups` barely moves), and
        /// then each gets its own shop's event at once, skipping unread what was not for it.
        @Test(.timeLimit(.minutes(2)))
        func anEventWakesOnlyTheStreamsItMayConcern() async throws {
            let suite = try SuiteTests.Suite("stream-wake")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let signer = try suite.signer()
            let admin = try signer.mint(sub: "a1", role: .admin, ttl: 600)
            let base = "http://127.0.0.1:\(suite.httpPort)"
            for shop in ["s1", "s2"] {
                let (status, _) = await Harness.http(
                    "POST", base + "/v1/shops", token: admin,
                    json: ["id": shop, "name": "Shop \(shop)", "address": "x", "lat": 31, "lon": 121, "timeZone": "UTC"])
                #expect(status == 201)
            }
            #expect(
                await Harness.http(
                    "POST", base + "/v1/shops/s1/couriers", token: admin,
                    json: ["id": "k1", "name": "Li Wei", "phone": "+86 131 0000 0001", "vehicle": "bike"]
                ).0 == 201)
            func order(_ shop: String) async throws -> String {
                let (status, body) = await Harness.http(
                    "POST", base + "/v1/orders", token: try signer.mint(sub: "st-\(shop)", role: .staff, shop: shop, ttl: 600),
                    json: [
                        "shopId": shop, "customer": ["id": "c-\(shop)", "name": "Mei"],
                        "recipient": ["name": "Mother", "address": "12 Garden Rd", "lat": 31.23, "lon": 121.47],
                        "items": [["name": "roses", "quantity": 11]],
                        "window": ["start": "2026-05-10T10:00:00Z", "end": "2026-05-10T12:00:00Z"],
                    ])
                #expect(status == 201)
                return try #require((body as? [String: Any])?["id"] as? String)
            }
            func wakeups() async throws -> Int {
                try await Task.sleep(for: .milliseconds(1_100))  // the gateway gathers metrics at most once a second
                var request = URLRequest(url: URL(string: base + "/metrics")!)
                request.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization")
                let text = await Harness.data(for: request).map { String(decoding: $0.0, as: UTF8.self) } ?? ""
                let line = text.split(separator: "\n").first { $0.hasPrefix("posy_stream_wakeups_total{") }
                return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
            }
            let staff1 = try signer.mint(sub: "st-s1", role: .staff, shop: "s1", ttl: 600)
            let staff2 = try signer.mint(sub: "st-s2", role: .staff, shop: "s2", ttl: 600)
            let mine = StreamClient(port: suite.httpPort, token: staff1)
            let others = (0..<40).map { _ in StreamClient(port: suite.httpPort, token: staff2) }
            for c in [mine] + others { #expect(await c.wait { !$0.messages.isEmpty }) }
            let before = try await wakeups()
            let id = try await order("s1")
            #expect(await Harness.http("POST", base + "/v1/orders/\(id)/confirm", token: staff1).0 == 200)
            #expect(await Harness.http("POST", base + "/v1/orders/\(id)/assign", token: staff1, json: ["courierId": "k1"]).0 == 200)
            #expect(await mine.waitForEvent("order.assigned", order: id) != nil)
            let during = try await wakeups() - before
            // Shop s1's console woke for its three events (fewer when they came together); shop s2's forty did not.
            #expect((1...3).contains(during), "\(during) wake-ups for three events of shop s1")
            let theirs = try await order("s2")
            for c in others { #expect(await c.waitForEvent("order.placed", order: theirs) != nil) }
            #expect(others.allSatisfy { $0.events.count == 1 }, "shop s2's consoles got another shop's events")
            for c in [mine] + others { await c.close() }
            #expect(await suite.stop())
        }
    }
}
