import Foundation
import PosyAuth
import Testing

extension Integration {
    /// "Look before you sign" in two real headless Chromiums (`Tests/python/call_page.py`): the
    /// courier app calls from the task of an order out for delivery, the customer's page rings and
    /// answers, both WebRTC peer connections connect on loopback and decode video from the fake
    /// cameras, "looks good" ends the call, and the chat keeps its record.
    @Suite(.serialized) struct VideoCallTests {
        typealias Shop = Integration.ReceiptsAPITests.Shop

        @Test(.timeLimit(.minutes(4)))
        func theCustomerLooksAtTheFlowersBeforeSigning() async throws {
            try await call(relay: false)
        }

        /// The same call through a real coturn (Debian's) on loopback, the gateway handing out
        /// credentials in its shared-secret scheme and asking for the relay only: both sides'
        /// connections must use relay candidates.
        @Test(.timeLimit(.minutes(4)))
        func throughTheTURNRelayOnly() async throws {
            let dir = Harness.tempDir("turn")
            let secretFile = "\(dir)/turn-secret"
            try UUID().uuidString.write(toFile: secretFile, atomically: true, encoding: .utf8)
            let secret = try String(contentsOfFile: secretFile, encoding: .utf8)
            let port = Harness.freePorts(1)
            let relayPorts = Harness.freePorts(1)
            let turn = Child(
                "turnserver", "/usr/bin/turnserver",
                [
                    "-n", "--no-cli", "--no-tls", "--no-dtls", "--listening-ip", "127.0.0.1", "--listening-port", "\(port)",
                    "--relay-ip", "127.0.0.1", "--use-auth-secret", "--static-auth-secret", secret, "--realm", "posy.test",
                    "--allow-loopback-peers", "--min-port", "\(relayPorts)", "--max-port", "\(relayPorts + 40)", "--log-file", "stdout",
                    "--simple-log", "--verbose", "--pidfile", "\(dir)/turn.pid", "--userdb", "\(dir)/turndb",
                ], logDir: dir)
            try turn.start()
            defer { turn.kill() }
            try await call(
                relay: true,
                environment: [
                    "POSY_TURN_URLS": "turn:127.0.0.1:\(port)?transport=udp", "POSY_TURN_SECRET_FILE": secretFile,
                    "POSY_TURN_RELAY_ONLY": "1",
                ])
        }

        func call(relay: Bool, environment: [String: String] = [:]) async throws {
            let suite = try Integration.SuiteTests.Suite(
                relay ? "video-call-relay" : "video-call", environment: environment.merging(["POSY_MAP_TILES": ""]) { $1 })
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            let base = "http://127.0.0.1:\(suite.httpPort)"
            let (invited, invite) = await Harness.http(
                "POST", base + "/v1/shops/s1/invites", token: shop.admin,
                json: ["role": "courier", "name": "Jonas Weber", "courierId": "k1"])
            #expect(invited == 201)
            let link = try #require((invite as? [String: Any])?["link"] as? String)
            let orderId = try await shop.orderOutForDelivery()
            let order = await shop.http.request("GET", "/v1/orders/\(orderId)", token: shop.staff).json
            let renewed = await shop.http.json("POST", "/v1/orders/\(orderId)/tracking-link", token: shop.staff)
            let config: [String: Any] = [
                "base": base, "courier_link": link, "tracking_link": try #require(renewed.json["trackingUrl"] as? String),
                "order_id": orderId, "conversation_id": try #require(order["conversationId"] as? String), "staff": shop.staff,
                "screenshots": Harness.packageRoot.appendingPathComponent(
                    relay ? ".build/screenshots/call-relay" : ".build/screenshots/call"
                )
                .path, "relay": relay,
            ]
            let (passed, report) = try await suite.runScript("call_page.py", config: config, timeout: .seconds(180))
            #expect(passed, "\(report)")
            #expect(await suite.stop())
        }
    }
}
