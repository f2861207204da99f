import Foundation
import PosyAuth
import Testing

extension Integration {
    /// Sign-in links, sessions and API keys through the real gateway and posy-orders
    /// (docs/protocol.md, "Sign-in and sessions", "API keys"): what a browser or a shop's system does.
    @Suite(.serialized) struct SessionTests {
        @Test(.timeLimit(.minutes(3)))
        func invitesSessionsRemovalAndAPIKeys() async throws {
            let suite = try SuiteTests.Suite("sessions")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let base = "http://127.0.0.1:\(suite.httpPort)"
            let signer = try suite.signer()
            func call(_ method: String, _ path: String, _ token: String?, _ json: Any? = nil) async -> (Int, [String: Any]) {
                let (status, body) = await Harness.http(method, base + path, token: token, json: json)
                return (status, body as? [String: Any] ?? [:])
            }
            func list(_ path: String, _ token: String) async -> [[String: Any]] {
                (await Harness.http("GET", base + path, token: token)).1 as? [[String: Any]] ?? []
            }

            // The operator's first link, made with the shop, through `posy invite`.
            let (code, out) = try await Harness.run(
                "posy",
                [
                    "invite", "--role", "manager", "--shop", "s1", "--name", "Li Na", "--shop-name", "Lily's", "--shop-tz", "Asia/Shanghai",
                    "--url", base + "/", "--json",
                ] + suite.busArgs)
            #expect(code == 0, "\(out)")
            let invite = try #require(Harness.report(out))
            let link = try #require(invite["link"] as? String)
            #expect(link.hasPrefix(base + "/signin#"))
            let managerCode = String(link.split(separator: "#")[1])

            // Opening it: a session with a short-lived token; the code works once.
            let (opened, session) = await call("POST", "/v1/session", nil, ["code": managerCode])
            #expect(opened == 201, "\(session)")
            let token = try #require(session["accessToken"] as? String)
            let refresh = try #require(session["refreshToken"] as? String)
            #expect(session["home"] as? String == "/console/" && session["manager"] as? Bool == true)
            let claims = try signer.verify(token)
            #expect(claims.role == .staff && claims.shop == "s1" && claims.sid != nil && claims.exp - claims.iat == 900)
            #expect(await call("POST", "/v1/session", nil, ["code": managerCode]).0 == 401)
            #expect(await call("POST", "/v1/session", nil, ["code": "not-a-code"]).0 == 401)
            #expect(await call("GET", "/v1/shops/s1", token).1["timeZone"] as? String == "Asia/Shanghai")

            // The manager invites; staff may not; a courier's link lands on the courier app.
            #expect(
                await call(
                    "POST", "/v1/shops/s1/couriers", try signer.mint(sub: "ops", role: .admin, ttl: 600),
                    ["id": "k1", "name": "Li Wei", "phone": "+86 131 0000 0001", "vehicle": "ebike"]
                ).0 == 201)
            let (invited, staffInvite) = await call("POST", "/v1/shops/s1/invites", token, ["role": "staff", "name": "Zhang Min"])
            #expect(invited == 201, "\(staffInvite)")
            let staffCode = try #require((staffInvite["code"] as? String))
            let (_, staffSession) = await call("POST", "/v1/session", nil, ["code": staffCode])
            let staffToken = try #require(staffSession["accessToken"] as? String)
            let staffRefresh = try #require(staffSession["refreshToken"] as? String)
            let staffId = try #require((staffSession["person"] as? [String: Any])?["id"] as? String)
            #expect(await call("POST", "/v1/shops/s1/invites", staffToken, ["role": "staff", "name": "X"]).0 == 403)
            #expect(await call("POST", "/v1/shops/s1/api-keys", staffToken, ["name": "x", "scopes": ["orders:read"]]).0 == 403)
            #expect(await call("POST", "/v1/shops/s1/invites", token, ["role": "courier", "name": "Li Wei"]).0 == 422)
            let (_, courierInvite) = await call(
                "POST", "/v1/shops/s1/invites", token, ["role": "courier", "name": "Li Wei", "courierId": "k1"])
            let (_, courierSession) = await call("POST", "/v1/session", nil, ["code": courierInvite["code"] as? String ?? ""])
            #expect(courierSession["home"] as? String == "/courier/")
            let courierToken = try #require(courierSession["accessToken"] as? String)
            #expect(try signer.verify(courierToken).sub == "k1")
            #expect(await call("POST", "/v1/couriers/k1/duty", courierToken, ["onDuty": true]).0 == 200)

            // Refresh gives a new token for the same session.
            let (refreshed, again) = await call("POST", "/v1/session/refresh", nil, ["refreshToken": refresh])
            #expect(refreshed == 200 && again["refreshToken"] == nil)
            #expect(try signer.verify(again["accessToken"] as? String ?? "").sid == claims.sid)
            #expect(await call("POST", "/v1/session/refresh", nil, ["refreshToken": refresh + "x"]).0 == 401)

            // Removing a person ends their access within seconds: REST, refresh and an open stream.
            let stream = StreamClient(port: suite.httpPort, token: staffToken)
            #expect(await stream.wait { !$0.messages.isEmpty })
            #expect(await call("GET", "/v1/orders", staffToken).0 == 200)
            let (removed, person) = await call("DELETE", "/v1/shops/s1/people/\(staffId)", token)
            #expect(removed == 200 && person["removedAt"] != nil, "\(person)")
            #expect(await stream.wait(.seconds(5)) { $0.ended.value != nil })
            #expect(stream.ended.value?.contains("4003") == true, "\(stream.ended.value ?? "")")
            #expect(await call("GET", "/v1/orders", staffToken).0 == 401)
            #expect(await call("POST", "/v1/session/refresh", nil, ["refreshToken": staffRefresh]).0 == 401)
            let refused = StreamClient(port: suite.httpPort, token: staffToken)
            #expect(await refused.wait(.seconds(5)) { $0.ended.value != nil })
            #expect(refused.messages.isEmpty)
            let people = await list("/v1/shops/s1/people", token)
            #expect(people.count == 3 && people.contains { $0["id"] as? String == staffId && $0["removedAt"] != nil })

            // API keys: shown once, scoped, last use recorded, revoked → 401.
            let (made, key) = await call(
                "POST", "/v1/shops/s1/api-keys", token, ["name": "web shop", "scopes": ["orders:write", "orders:read"]])
            #expect(made == 201, "\(key)")
            let secret = try #require(key["key"] as? String)
            let keyId = try #require(key["id"] as? String)
            #expect(secret.hasPrefix("posy_\(keyId)_"))
            let order: [String: Any] = [
                "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                "recipient": ["name": "Mother", "address": "12 Garden Rd", "lat": 31.23, "lon": 121.47],
                "items": [["name": "carnations", "quantity": 12]],
                "window": ["start": "2026-05-10T10:00:00+08:00", "end": "2026-05-10T12:00:00+08:00"],
            ]
            let (created, made1) = await call("POST", "/v1/orders", secret, order)
            #expect(created == 201, "\(made1)")
            #expect(
                await call("GET", "/v1/orders?windowFrom=2026-05-10T00:00:00Z&windowTo=2026-05-11T00:00:00Z", secret).1["items"] as? [Any]
                    != nil)
            #expect(await call("GET", "/v1/webhooks", secret).1["code"] as? String == "scope_missing")
            #expect(await call("GET", "/v1/notifications", secret).0 == 403)
            let keys = await list("/v1/shops/s1/api-keys", token)
            #expect(keys.count == 1 && keys[0]["key"] == nil && keys[0]["lastUsedAt"] != nil, "\(keys)")
            #expect(await call("DELETE", "/v1/shops/s1/api-keys/\(keyId)", token).0 == 200)
            #expect(await call("GET", "/v1/orders", secret).0 == 401)
            #expect(await call("GET", "/v1/orders", "posy_\(keyId)_" + String(repeating: "A", count: 43)).0 == 401)

            // The day's board filter: the order's window is on 10 May in Shanghai, not the 11th.
            let day = await call("GET", "/v1/orders?windowFrom=2026-05-09T16:00:00Z&windowTo=2026-05-10T16:00:00Z", token).1
            let nextDay = await call("GET", "/v1/orders?windowFrom=2026-05-10T16:00:00Z&windowTo=2026-05-11T16:00:00Z", token).1
            #expect((day["items"] as? [Any])?.count == 1 && (nextDay["items"] as? [Any])?.count == 0)

            // Signing out ends the session at once.
            #expect(await call("DELETE", "/v1/session", token).0 == 204)
            #expect(await call("GET", "/v1/orders", token).0 == 401)
            #expect(await call("POST", "/v1/session/refresh", nil, ["refreshToken": refresh]).0 == 401)
            #expect(await suite.stop())
        }
    }
}
