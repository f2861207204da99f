import Foundation
import PosyAuth
import Testing

extension LongIntegration {
    /// Markup typed into every name, address, note and chat text — by a web shop's API key, a
    /// customer, a courier — is text on every screen of the console, the courier app and the
    /// customer's page, in real headless Chromium (`Tests/python/hostile_names.py`; docs/architecture.md,
    /// "Web faces"). Screenshots land in `.build/screenshots/hostile`.
    @Suite(.serialized) struct HostileNamesTests {
        @Test(.timeLimit(.minutes(4)))
        func markupInEveryNameShowsAsTextOnEveryFace() async throws {
            // A tile server on loopback that answers nothing: the map's attribution is drawn, nothing leaves the machine.
            let suite = try Integration.SuiteTests.Suite(
                "hostile-names", environment: ["POSY_MAP_TILES": "http://127.0.0.1:9/{z}/{x}/{y}.png"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let signer = try suite.signer()
            let config: [String: Any] = [
                "base": "http://127.0.0.1:\(suite.httpPort)", "admin": try signer.mint(sub: "a1", role: .admin, ttl: 900),
                "staff": try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 900),
                "courier": try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 900),
                "customer": try signer.mint(sub: "c1", role: .customer, ttl: 900),
                "screenshots": Harness.packageRoot.appendingPathComponent(".build/screenshots/hostile").path,
            ]
            let (passed, report) = try await suite.runScript("hostile_names.py", config: config, timeout: .seconds(200))
            #expect(passed, "\(report)")
            #expect(await suite.stop())
        }
    }
}
