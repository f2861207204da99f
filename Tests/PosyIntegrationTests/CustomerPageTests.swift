import Foundation
import PosyAuth
import Testing

extension LongIntegration {
    /// The customer's page in real headless Chromium at a phone's viewport (`Tests/python/customer_page.py`):
    /// the seed's order opened from its tracking link — the map with the destination and no courier
    /// before departure, the courier moving after it with the ETA updating, a delay predicted before
    /// the window ends, the arriving banner, chat with the assistant and the shop, a neighbour
    /// drop-off waiting for the shop's approval, the proof photo and a dispute with a photo — and
    /// expired, foreign and broken links showing a message and no data. Screenshots land in
    /// `.build/screenshots/customer`.
    @Suite(.serialized) struct CustomerPageTests {
        @Test(.timeLimit(.minutes(5)))
        func theCustomerFollowsTheSeedsOrderFromTheLink() async throws {
            let suite = try Integration.SuiteTests.Suite("customer-page", environment: ["POSY_MAP_TILES": ""])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let base = "http://127.0.0.1:\(suite.httpPort)"
            let signer = try suite.signer()
            let config: [String: Any] = [
                "base": base, "admin": try signer.mint(sub: "a1", role: .admin, ttl: 900),
                "staff": try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 900),
                "courier": try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 900), "courier_id": "k1",
                // Expired long before it is opened; another customer's link to an order that is not theirs.
                "expired_link": "\(base)/t/\(try signer.mint(sub: "c1", role: .customer, order: "o-any", ttl: 1))",
                "foreign_link": "\(base)/t/\(try signer.mint(sub: "c2", role: .customer, order: "o-nope", ttl: 900))",
                "screenshots": Harness.packageRoot.appendingPathComponent(".build/screenshots/customer").path,
            ]
            let (passed, report) = try await suite.runScript("customer_page.py", config: config, timeout: .seconds(240))
            #expect(passed, "\(report)")
            #expect(await suite.stop())
        }
    }
}
