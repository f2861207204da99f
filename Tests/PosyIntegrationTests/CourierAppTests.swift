import Foundation
import PosyAuth
import Testing

extension LongIntegration {
    /// The courier app in real headless Chromium at a phone's viewport (`Tests/python/courier_app.py`):
    /// signed in by link, a Web Push shown by the service worker, an assignment declined and one
    /// accepted against the order's deadline, the pickup checklist, the app reopened from the service
    /// worker and the phone's kept tasks while the
    /// gateway is down, a ride played through the DevTools geolocation override with the network cut
    /// for part of it, the shop's answer to a report live, a voice note with its waveform played back,
    /// the proof from the fake camera made with no signal, a failed delivery. The screenshots land in
    /// `.build/screenshots/courier`.
    @Suite(.serialized) struct CourierAppTests {
        @Test(.timeLimit(.minutes(5)))
        func aCourierRunsADeliveryFromThePhone() async throws {
            // The gateway is killed once and stays down 12 s (the app reopens meanwhile); the
            // server asks for positions every 2 s.
            let suite = try Integration.SuiteTests.Suite(
                "courier-app", upArgs: ["--rate-limit", "0", "--restart-delay", "12"],
                environment: ["POSY_MAP_TILES": "", "POSY_POSITION_CADENCE": "2", "POSY_LOCATION_CONSENT": "app"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let base = "http://127.0.0.1:\(suite.httpPort)"
            let signer = try suite.signer()
            let admin = try signer.mint(sub: "a1", role: .admin, ttl: 900)
            let staff = try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 900)
            #expect(
                await Harness.http(
                    "POST", base + "/v1/shops", token: admin,
                    json: [
                        "id": "s1", "name": "Carnation Corner", "address": "1 Flower St", "lat": 31.2304, "lon": 121.4737,
                        "timeZone": "Asia/Shanghai",
                    ]
                ).0 == 201)
            #expect(
                await Harness.http(
                    "POST", base + "/v1/shops/s1/couriers", token: admin,
                    json: ["id": "k1", "name": "Li Wei", "phone": "+86 131 0000 0001", "vehicle": "ebike", "onDuty": false]
                ).0 == 201)
            let (invited, invite) = await Harness.http(
                "POST", base + "/v1/shops/s1/invites", token: admin, json: ["role": "courier", "name": "Li Wei", "courierId": "k1"])
            #expect(invited == 201)
            let link = try #require((invite as? [String: Any])?["link"] as? String)
            let config: [String: Any] = [
                "base": base, "courier_link": link, "courier_id": "k1", "admin": admin, "staff": staff,
                "customer_token": try signer.mint(sub: "c1", role: .customer, ttl: 900), "customer_id": "c1",
                "http_port": suite.httpPort, "cadence_ms": 2000,
                "screenshots": Harness.packageRoot.appendingPathComponent(".build/screenshots/courier").path,
            ]
            let (passed, report) = try await suite.runScript("courier_app.py", config: config, timeout: .seconds(240))
            #expect(passed, "\(report)")
            #expect(await suite.stop())
        }
    }
}
