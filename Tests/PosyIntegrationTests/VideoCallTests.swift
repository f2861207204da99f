import Foundation
import PosyAuth
import Testing

extension Integration {
    /// "Look before you sign" in two real headless Chromiums (`Tests/python/call_page.py`): the
    /// courier app calls from the task of an order out for delivery, the customer's page rings and
    /// answers, both WebRTC peer connections connect on loopback and decode video from the fake
    /// cameras, "looks good" ends the call, and the chat keeps its record.
    @Suite(.serialized) struct VideoCallTests {
        typealias Shop = ReceiptsAPITests.Shop

        @Test(.timeLimit(.minutes(4)))
        func theCustomerLooksAtTheFlowersBeforeSigning() async throws {
            let suite = try SuiteTests.Suite("video-call", environment: ["POSY_MAP_TILES": ""])
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
                "screenshots": Harness.packageRoot.appendingPathComponent(".build/screenshots/call").path,
            ]
            let configPath = "\(suite.dir)/call.json"
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/call_page.py").path
            let (status, output) = try await Harness.run(path: "python3", [script, configPath], timeout: .seconds(180))
            #expect(status == 0 && output.contains("\nOK"), "\(output)\n\(suite.up.log.suffix(2000))")
            #expect(await suite.stop())
        }
    }
}
