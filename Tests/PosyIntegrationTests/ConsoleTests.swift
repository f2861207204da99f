import Foundation
import PosyAuth
import Testing

extension LongIntegration {
    /// The shop console in real headless Chromium (`Tests/python/console_page.py`), signed in with
    /// a link from `posy invite`, while the courier and the customer act through the API. The
    /// screenshots land in `.build/screenshots/console` (docs/screenshots holds the README's copies).
    @Suite(.serialized) struct ConsoleTests {
        @Test(.timeLimit(.minutes(6)))
        func aFloristRunsADeliveryFromTheConsole() async throws {
            // No basemap: markers on a plain background, nothing fetched from outside.
            let geocoder = try Integration.GeocoderTests.Fake()
            #expect(await geocoder.ready())
            let suite = try Integration.SuiteTests.Suite(
                "console", environment: ["POSY_MAP_TILES": "", "POSY_GEOCODER": "nominatim:\(geocoder.base)"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let base = "http://127.0.0.1:\(suite.httpPort)"
            let signer = try suite.signer()
            let admin = try signer.mint(sub: "a1", role: .admin, ttl: 900)
            let (code, out) = try await Harness.run(
                "posy",
                [
                    "invite", "--role", "manager", "--shop", "s1", "--name", "Li Na", "--shop-name", "Carnation Corner", "--url", base,
                    "--json",
                ]
                    + suite.busArgs)
            #expect(code == 0, "\(out)")
            let managerLink = try #require(Harness.report(out)?["link"] as? String)
            let (made, _) = await Harness.http(
                "POST", base + "/v1/shops/s1/couriers", token: admin,
                json: ["id": "k1", "name": "Li Wei", "phone": "+86 131 0000 0001", "vehicle": "ebike"])
            #expect(made == 201)
            let courier = try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 900)
            #expect(await Harness.http("POST", base + "/v1/couriers/k1/duty", token: courier, json: ["onDuty": true]).0 == 200)
            let (invited, staff) = await Harness.http(
                "POST", base + "/v1/shops/s1/invites", token: admin, json: ["role": "staff", "name": "Zhang Min"])
            #expect(invited == 201)
            let staffLink = try #require((staff as? [String: Any])?["link"] as? String)
            // The form makes the customer's id from their phone (`c` + its digits).
            let phone = "+86 139 0000 0001"
            let customer = try signer.mint(sub: "c8613900000001", role: .customer, ttl: 900)
            let screenshots = Harness.packageRoot.appendingPathComponent(".build/screenshots/console").path
            let config: [String: Any] = [
                "base": base, "manager_link": managerLink, "staff_link": staffLink, "admin": admin,
                "courier": ["id": "k1", "token": courier], "customer_token": customer, "customer_phone": phone,
                "http_port": suite.httpPort, "screenshots": screenshots,
                "web_root": Harness.packageRoot.appendingPathComponent("Services/Gateway/Web").path,
            ]
            let (passed, report) = try await suite.runScript("console_page.py", config: config, timeout: .seconds(300))
            #expect(passed, "\(report)")
            #expect(await suite.stop())
        }
    }
}
