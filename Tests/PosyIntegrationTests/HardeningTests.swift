import Foundation
import PosyAuth
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// What a hostile customer, a careless shop or a bad day can do to Posy, tried from outside
    /// against the real executables on `posy up`'s defaults (no local webhook targets).
    @Suite(.serialized) struct HardeningTests {
        /// Malformed heads, slow heads, WebSocket frames over the limit or not UTF-8, and stream
        /// upgrades over the rate: each gets its status or close code, and nothing is held open.
        @Test(.timeLimit(.minutes(3)))
        func hostileHTTPAndWebSocketClientsGetAnAnswerAndAClose() async throws {
            let suite = try SuiteTests.Suite("hostile", upArgs: ["--rate-limit", "2", "--rate-burst", "3"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let signer = try suite.signer()
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/hostile_http.py").path
            let (status, out) = try await Harness.run(
                path: "python3",
                [
                    script, "\(suite.httpPort)", try signer.mint(sub: "c1", role: .customer, ttl: 600),
                    try signer.mint(sub: "c2", role: .customer, ttl: 600),
                ], timeout: .seconds(120))
            #expect(status == 0, "\(out)")
            // Through all of it the gateway stayed up, and answered the hostile clients at debug level only.
            #expect(await suite.waitHealthy(.seconds(5)))
            #expect(!suite.up.log.contains("Error handling upgrade result"), "\(suite.up.log.suffix(2000))")
            #expect(await suite.stop())
        }

        /// One client address holds at most its share of a gateway's connections: one more is
        /// answered 429 and closed before it is read, the rest go on, a closed one frees its place,
        /// and the metrics count the refusals. Driven by `Tests/python/connection_cap.py` from
        /// loopback, taken out of the exempt ranges for the test.
        @Test(.timeLimit(.minutes(2)))
        func oneAddressHoldsItsShareOfConnections() async throws {
            let suite = try SuiteTests.Suite(
                "per-address",
                environment: ["POSY_MAX_CONNECTIONS_PER_ADDRESS": "6", "POSY_CONNECTION_CAP_EXEMPT": "192.0.2.0/24"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/connection_cap.py").path
            let (status, out) = try await Harness.run(path: "python3", [script, "\(suite.httpPort)", "6"], timeout: .seconds(60))
            #expect(status == 0 && out.contains("\nOK"), "\(out)")
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(suite.httpPort)/metrics")!)
            request.setValue("Bearer \(try suite.signer().mint(sub: "ops", role: .admin, ttl: 600))", forHTTPHeaderField: "Authorization")
            let metrics = String(decoding: await Harness.data(for: request)?.0 ?? Data(), as: UTF8.self)
            let refused = metrics.split(separator: "\n").first {
                $0.hasPrefix("posy_connections_refused_address_total{instance=\"gateway\"")
            }
            let count = refused.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? 0
            #expect(count >= 2, "\(refused.map(String.init) ?? metrics.suffix(2000).description)")
            #expect(await suite.stop())
        }

        /// A tracking link is made to be forwarded: it hears and sees its own order only, and cannot
        /// redirect or cancel the flowers. Webhooks into the suite's own network and email addresses
        /// that would leave their SMTP command are refused with stable codes. Bad JSON names its path.
        @Test(.timeLimit(.minutes(3)))
        func trackingLinksWebhooksAndAddressesAreHeldToWhatTheyMayDo() async throws {
            let suite = try SuiteTests.Suite("links")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http
            func order() async throws -> (id: String, conversation: String, link: String) {
                let created = await shop.placeOrder()
                let url = try #require(created.json["trackingUrl"] as? String, "\(created.json)")
                return (
                    try #require(created.json["id"] as? String), try #require(created.json["conversationId"] as? String),
                    String(url.split(separator: "/").last!)
                )
            }
            let a = try await order()
            let b = try await order()
            // Conversations exist once the shard applied order.placed.
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await http.request("GET", "/v1/conversations/\(b.conversation)", token: shop.customer).status == 200
                })

            // Pushes: the customer's own device hears both orders' chat, order A's link only A's.
            let own = ChatClient(port: suite.httpPort, token: shop.customer, name: "own")
            let linkA = ChatClient(port: suite.httpPort, token: a.link, name: "linkA")
            let staffDevice = ChatClient(port: suite.httpPort, token: shop.staff, name: "staff")
            for c in [own, linkA, staffDevice] { #expect(await c.connected()) }
            #expect(try await staffDevice.say(b.conversation, "Your order B is being tied")["ok"] as? Bool == true)
            #expect(try await staffDevice.say(a.conversation, "Your order A is being tied")["ok"] as? Bool == true)
            #expect(await own.wait { _ in own.seqs(a.conversation).count == 1 && own.seqs(b.conversation).count == 1 })
            #expect(await linkA.wait { _ in linkA.seqs(a.conversation).count == 1 })
            try await Task.sleep(for: .milliseconds(500))
            #expect(
                linkA.pushes("msg.new").allSatisfy { $0["conversationId"] as? String == a.conversation },
                "order B's chat reached order A's link: \(linkA.pushes("msg.new"))")
            // The link chats in its own order only.
            #expect(try await linkA.say(a.conversation, "Thank you!")["ok"] as? Bool == true)
            #expect(try await linkA.say(b.conversation, "hello?")["ok"] as? Bool == false)

            // REST: its order, not the other; asks, but cannot redirect, cancel or read the inbox.
            #expect(await http.request("GET", "/v1/orders/\(a.id)", token: a.link).status == 200)
            #expect(await http.request("GET", "/v1/orders/\(b.id)", token: a.link).code == "404 not_found")
            #expect(
                await http.json(
                    "POST", "/v1/orders/\(a.id)/changes", token: a.link,
                    ["address": ["address": "1 Thief Lane", "lat": 52.5, "lon": 13.4]]
                ).code == "403 session_required")
            #expect(await http.json("POST", "/v1/orders/\(a.id)/cancel", token: a.link).code == "403 session_required")
            let asked = await http.json(
                "POST", "/v1/orders/\(a.id)/changes", token: a.link,
                ["dropOff": ["kind": "handToNeighbour", "description": "Frau Keller, No. 5"]])
            #expect(asked.status == 201 && asked.json["state"] as? String == "pending", "\(asked.json)")
            #expect(await http.request("GET", "/v1/notifications", token: a.link).code == "403 session_required")
            #expect(
                await http.json("PUT", "/v1/notifications/preferences", token: a.link, ["email": "thief@example.com"]).code
                    == "403 session_required")
            // The customer's own sign-in does what the link may not.
            #expect(await http.json("POST", "/v1/orders/\(b.id)/cancel", token: shop.customer).status == 200)

            // Preferences: an address that would leave its SMTP command, a phone with line breaks.
            let injected = await http.json(
                "PUT", "/v1/notifications/preferences", token: shop.customer,
                ["email": "mei@example.com>\r\nRCPT TO:<victim@example.org"])
            #expect(
                injected.code == "422 invalid_field" && (injected.json["message"] as? String)?.hasPrefix("email:") == true,
                "\(injected.json)")
            #expect(
                await http.json("PUT", "/v1/notifications/preferences", token: shop.customer, ["phone": "+49 30 1\r\nX: y"]).code
                    == "422 invalid_field")
            #expect(
                await http.json("PUT", "/v1/notifications/preferences", token: shop.customer, ["email": "mei@example.com"]).status == 200)

            // Webhooks into the suite: loopback in every spelling, the metadata service, private ranges.
            let ports = [suite.rpcBase, suite.busPort, suite.busPort + 1, suite.httpPort]
            var urls =
                ports.map { "http://127.0.0.1:\($0)/" } + [
                    "http://localhost:\(suite.rpcBase)/", "http://[::1]:\(suite.httpPort)/",
                    "http://0.0.0.0:\(suite.httpPort)/", "http://2130706433:\(suite.httpPort)/",
                    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/hook",
                    "http://[::ffff:127.0.0.1]:\(suite.httpPort)/",
                ]
            urls.append("http://127.1:\(suite.httpPort)/")
            for url in urls {
                let r = await http.json("POST", "/v1/webhooks", token: shop.staff, ["url": url, "events": ["order.*"]])
                #expect(r.code == "422 destination_not_allowed", "\(url): \(r.code) \(r.json)")
            }
            #expect(
                await http.json("POST", "/v1/webhooks", token: shop.staff, ["url": "file:///etc/passwd", "events": ["order.*"]]).code
                    == "422 invalid_field")
            // Other spellings of a local host: a trailing dot, a local-only name, percent-encoding.
            for (url, code) in [
                ("http://localhost./", "422 invalid_field"), ("http://localhost.localdomain/", "422 destination_not_allowed"),
                ("http://exa%09mple.com/", "422 invalid_field"), ("http://metadata.google.internal/", "422 destination_not_allowed"),
            ] {
                let r = await http.json("POST", "/v1/webhooks", token: shop.staff, ["url": url, "events": ["order.*"]])
                #expect(r.code == code, "\(url): \(r.code) \(r.json)")
            }
            let hooks = await http.request("GET", "/v1/webhooks", token: shop.staff)
            #expect(hooks.status == 200)
            #expect(((try? JSONSerialization.jsonObject(with: hooks.body)) as? [Any])?.count == 0, "a refused webhook was kept")

            // Contract details: a location riding on a text message; bad JSON names where it is bad.
            let located = await http.json(
                "POST", "/v1/conversations/\(a.conversation)/messages", token: shop.customer,
                ["clientMsgId": "loc-1", "kind": "text", "text": "here", "location": ["lat": 91, "lon": 500]])
            #expect(located.code == "422 invalid_field", "\(located.json)")
            let badJSON = await http.json(
                "POST", "/v1/shops", token: shop.admin,
                [
                    "id": "s7", "name": "X", "address": "Y", "lat": "north", "lon": 1,
                    "timeZone": "UTC",
                ])
            #expect(badJSON.code == "400 bad_request" && (badJSON.json["message"] as? String)?.contains("lat") == true, "\(badJSON.json)")

            for c in [own, linkA, staffDevice] { await c.close() }
            #expect(await suite.stop())
        }
    }
}
