import Foundation
import PosyAccess
import PosyAuth
import Testing

extension Integration {
    /// Every route × every kind of caller, own and foreign, against the real gateway. Also: no response
    /// to a courier ever contains the card message or the anonymous sender's name or phone.
    @Suite(.serialized) struct AuthorizationMatrixTests {
        static let card = "Secret card: love from W"
        static let senderName = "Admirer Wu"
        static let senderPhone = "+86 139 9999 9999"

        @Test(.timeLimit(.minutes(3)))
        func routesRolesAndNeedToKnow() async throws {
            let suite = try SuiteTests.Suite("authz")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let signer = try suite.signer()
            func token(_ sub: String, _ role: Role, shop: String? = nil, order: String? = nil) throws -> String {
                try signer.mint(sub: sub, role: role, shop: shop, order: order, ttl: 600)
            }
            let base = "http://127.0.0.1:\(suite.httpPort)"
            let admin = try token("a1", .admin)
            let staff = try token("st1", .staff, shop: "s1")
            let foreignStaff = try token("st2", .staff, shop: "s2")
            func call(_ method: String, _ path: String, _ t: String?, _ json: [String: Any]? = nil) async -> (Int, Data) {
                let (status, body) = await Harness.http(method, base + path, token: t, json: json ?? (method == "POST" ? [:] : nil))
                let data = body.flatMap { try? JSONSerialization.data(withJSONObject: $0) } ?? Data()
                return (status, data)
            }
            // Every caller has its stream open from the start (`trackingA`/`trackingB` once their orders exist).
            let streamCallers: [(String, String)] = [
                ("admin", admin), ("staff", staff), ("foreignStaff", foreignStaff),
                ("courier", try token("k1", .courier, shop: "s1")), ("otherCourier", try token("k2", .courier, shop: "s1")),
                ("foreignCourier", try token("k9", .courier, shop: "s2")),
                ("customer", try token("c1", .customer)), ("foreignCustomer", try token("c2", .customer)),
            ]
            var streams: [String: StreamClient] = [:]
            for (name, t) in streamCallers {
                streams[name] = StreamClient(port: suite.httpPort, token: t)
                #expect(await streams[name]!.wait { !$0.messages.isEmpty }, "stream of \(name) did not open")
            }
            // Two shops, couriers, and two orders of shop s1: A assigned to k1, B not assigned.
            for (id, name) in [("s1", "Lily's"), ("s2", "Rosa")] {
                #expect(
                    await call(
                        "POST", "/v1/shops", admin,
                        ["id": id, "name": name, "address": "x", "lat": 31, "lon": 121, "timeZone": "Asia/Shanghai"]
                    ).0 == 201)
            }
            // Their ids are the ones the tokens name: only the operator chooses a courier's id.
            for (id, shop) in [("k1", "s1"), ("k2", "s1"), ("k9", "s2")] {
                #expect(
                    await call(
                        "POST", "/v1/shops/\(shop)/couriers", admin,
                        ["id": id, "name": "Courier \(id)", "phone": "+86 131 0000 0001", "vehicle": "bike"]
                    ).0 == 201)
            }
            func newOrder(_ customer: String) -> [String: Any] {
                [
                    "shopId": "s1", "customer": ["id": customer, "name": "Mei", "phone": "+86 138 0000 0001"],
                    "recipient": ["name": "Mother", "phone": "+86 138 0000 0002", "address": "12 Garden Rd", "lat": 31.23, "lon": 121.47],
                    "sender": ["name": Self.senderName, "phone": Self.senderPhone, "anonymous": true],
                    "items": [["name": "carnations", "quantity": 12]], "cardMessage": Self.card,
                    "window": ["start": "2026-05-10T10:00:00Z", "end": "2026-05-10T12:00:00Z"],
                ]
            }
            func create(_ customer: String) async throws -> String {
                let (status, data) = await call("POST", "/v1/orders", staff, newOrder(customer))
                #expect(status == 201)
                return try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String)
            }
            let a = try await create("c1")
            let b = try await create("c1")
            // A tracking link opened now still gets its order's later events, and only those.
            streams["trackingA"] = StreamClient(port: suite.httpPort, token: try token("c1", .customer, order: a))
            streams["trackingB"] = StreamClient(port: suite.httpPort, token: try token("c1", .customer, order: b))
            #expect(await call("POST", "/v1/orders/\(a)/confirm", staff).0 == 200)
            #expect(await call("POST", "/v1/orders/\(a)/assign", staff, ["courierId": "k1"]).0 == 200)

            let callers: [(String, String?)] = [
                ("none", nil), ("admin", admin), ("staff", staff), ("foreignStaff", foreignStaff),
                ("courier", try token("k1", .courier, shop: "s1")), ("otherCourier", try token("k2", .courier, shop: "s1")),
                ("foreignCourier", try token("k9", .courier, shop: "s2")),
                ("customer", try token("c1", .customer)), ("foreignCustomer", try token("c2", .customer)),
                ("trackingA", try token("c1", .customer, order: a)), ("trackingB", try token("c1", .customer, order: b)),
            ]
            // Expected status per caller, in the order of `callers`.
            let reads: [(String, [Int])] = [
                ("/v1/orders/\(a)", [401, 200, 200, 404, 200, 404, 404, 200, 404, 200, 404]),
                ("/v1/orders/\(a)/timeline", [401, 200, 200, 404, 200, 404, 404, 200, 404, 200, 404]),
                ("/v1/orders/\(b)", [401, 200, 200, 404, 404, 404, 404, 200, 404, 404, 200]),
                // A courier of the shop reads only their own record (their duty, for the courier app).
                ("/v1/shops/s1/couriers", [401, 200, 200, 404, 200, 200, 404, 404, 404, 404, 404]),
                // The shop itself (name, place, time zone): its people, and customers with an order there.
                ("/v1/shops/s1", [401, 200, 200, 404, 200, 200, 404, 200, 404, 200, 200]),
                ("/v1/shops/s2", [401, 200, 404, 200, 404, 404, 200, 404, 404, 404, 404]),
                ("/v1/orders", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ]
            var courierBodies: [Data] = []
            for (path, expected) in reads {
                for ((name, t), want) in zip(callers, expected) {
                    let (status, data) = await call("GET", path, t)
                    #expect(status == want, "GET \(path) as \(name): \(status), expected \(want)")
                    if name.lowercased().contains("courier") { courierBodies.append(data) }
                }
            }
            let own = await call("GET", "/v1/shops/s1/couriers", try token("k1", .courier, shop: "s1")).1
            let ownIds = ((try? JSONSerialization.jsonObject(with: own)) as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ownIds == ["k1"], "a courier sees only their own record: \(ownIds ?? [])")
            // Lists hold exactly what each caller may see.
            let listed: [String: Set<String>] = [
                "admin": [a, b], "staff": [a, b], "foreignStaff": [], "courier": [a], "otherCourier": [],
                "foreignCourier": [], "customer": [a, b], "foreignCustomer": [], "trackingA": [a], "trackingB": [b],
            ]
            for (name, t) in callers where t != nil {
                let (_, data) = await call("GET", "/v1/orders", t)
                let items = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
                #expect(Set(items.compactMap { $0["id"] as? String }) == listed[name], "list as \(name)")
            }
            // Writes: who may create, confirm, accept, report, change (each on a fresh order where state matters).
            let creates: [Int] = [401, 201, 201, 403, 403, 403, 403, 403, 403, 403, 403]
            for ((name, t), want) in zip(callers, creates) {
                #expect(await call("POST", "/v1/orders", t, newOrder("c1")).0 == want, "create as \(name)")
            }
            let confirms: [Int] = [401, 200, 200, 404, 404, 404, 404, 403, 404, 404, 404]  // a tracking link sees only its own order
            for ((name, t), want) in zip(callers, confirms) {
                let fresh = try await create("c1")
                #expect(await call("POST", "/v1/orders/\(fresh)/confirm", t).0 == want, "confirm as \(name)")
            }
            let accepts: [Int] = [401, 403, 403, 404, 200, 404, 404, 403, 404, 404, 404]
            for ((name, t), want) in zip(callers, accepts) {
                let fresh = try await create("c1")
                _ = await call("POST", "/v1/orders/\(fresh)/confirm", staff)
                _ = await call("POST", "/v1/orders/\(fresh)/assign", staff, ["courierId": "k1"])
                let (status, data) = await call("POST", "/v1/orders/\(fresh)/accept", t)
                #expect(status == want, "accept as \(name)")
                if name.lowercased().contains("courier") { courierBodies.append(data) }
            }
            let reports: [Int] = [401, 201, 201, 404, 201, 404, 404, 403, 404, 403, 404]
            for ((name, t), want) in zip(callers, reports) {
                let (status, data) = await call("POST", "/v1/orders/\(a)/exceptions", t, ["kind": "traffic"])
                #expect(status == want, "report on A as \(name)")
                if name.lowercased().contains("courier") { courierBodies.append(data) }
            }
            let changes: [Int] = [401, 201, 201, 404, 403, 404, 404, 201, 404, 201, 404]
            for ((name, t), want) in zip(callers, changes) {
                let (status, data) = await call(
                    "POST", "/v1/orders/\(a)/changes", t, ["dropOff": ["kind": "safePlace", "description": "porch"]])
                #expect(status == want, "change on A as \(name)")
                if name.lowercased().contains("courier") { courierBodies.append(data) }
            }
            // Streams: each caller's stream named exactly the orders it may list (the tracking links
            // only their order, and only if something happened to it after they connected).
            for (name, t) in callers where t != nil {
                guard let stream = streams[name] else { continue }
                let (_, data) = await call("GET", "/v1/orders?limit=200", t)
                let items = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
                // Nothing happened to B after its tracking link connected.
                let want = name == "trackingB" ? [] : Set(items.compactMap { $0["id"] as? String })
                #expect(
                    await stream.wait { $0.orderIds == want }, "stream of \(name): \(stream.orderIds.sorted()) expected \(want.sorted())")
                if name.lowercased().contains("courier") {
                    courierBodies += stream.frames.value.map { Data($0.utf8) }
                }
                if name.hasPrefix("customer") || name.hasPrefix("tracking") {
                    for frame in stream.frames.value {
                        #expect(
                            !frame.contains("courier:k") && !frame.contains("\"courierId\""), "customer stream names the courier: \(frame)")
                    }
                }
            }
            #expect(streams["courier"]!.events.contains { $0["type"] as? String == "exception.opened" })
            #expect(!streams["customer"]!.events.contains { ($0["type"] as? String ?? "").hasPrefix("exception.") })
            for stream in streams.values { await stream.close() }
            // Need to know: nothing a courier received names the card or the anonymous sender.
            #expect(courierBodies.count >= 24)
            for body in courierBodies {
                let text = String(decoding: body, as: UTF8.self)
                #expect(!text.contains(Self.card) && !text.contains(Self.senderName) && !text.contains(Self.senderPhone), "\(text)")
            }
            #expect(await suite.stop())
        }
    }
}
