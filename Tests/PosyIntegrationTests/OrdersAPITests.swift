import Foundation
import PosyAuth
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// The orders API through the real gateway and `posy-orders`, as the shop's dashboard, the
    /// courier's phone and the customer's tracking page use it.
    @Suite(.serialized) struct OrdersAPITests {
        @Test(.timeLimit(.minutes(3)))
        func carnationsForMotherThroughTheGateway() async throws {
            let suite = try SuiteTests.Suite("orders-api")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let signer = try suite.signer()
            let admin = try signer.mint(sub: "a1", role: .admin, ttl: 600)
            let staff = try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 600)
            let otherStaff = try signer.mint(sub: "st2", role: .staff, shop: "s2", ttl: 600)
            let courier = try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 600)
            let base = "http://127.0.0.1:\(suite.httpPort)"
            func post(
                _ path: String, _ token: String?, _ json: Any? = [String: Any](), headers: [String: String] = [:]
            ) async -> (Int, [String: Any]) {
                let (status, body) = await Harness.http("POST", base + path, token: token, json: json, headers: headers)
                return (status, body as? [String: Any] ?? [:])
            }
            func get(_ path: String, _ token: String?) async -> (Int, Any?) { await Harness.http("GET", base + path, token: token) }
            func code(_ r: (Int, [String: Any])) -> String { "\(r.0) \(r.1["code"] as? String ?? "-")" }

            #expect(
                await post(
                    "/v1/shops", admin,
                    [
                        "id": "s1", "name": "Lily's Flowers", "address": "1 Flower St", "lat": 31.2, "lon": 121.4,
                        "timeZone": "Asia/Shanghai",
                    ]
                ).0 == 201)
            #expect(await post("/v1/shops", staff, ["name": "Mine", "address": "x", "lat": 0, "lon": 0, "timeZone": "UTC"]).0 == 403)
            // The operator moves a courier in with their id; staff add one with the shop's own
            // reference, and Posy makes the id (a shop choosing one could learn another shop has it).
            #expect(
                await post("/v1/shops/s1/couriers", admin, ["id": "k1", "name": "Li Wei", "phone": "+86 1", "vehicle": "ebike"]).0 == 201)
            let added = await post("/v1/shops/s1/couriers", staff, ["ref": "No. 2", "name": "Zhou", "phone": "+86 2", "vehicle": "bike"])
            #expect(added.0 == 201 && (added.1["id"] as? String)?.hasPrefix("k") == true && added.1["ref"] as? String == "No. 2")
            #expect(
                code(await post("/v1/shops/s1/couriers", staff, ["ref": "No. 2", "name": "Z", "phone": "+86 3", "vehicle": "bike"]))
                    == "409 conflict")
            #expect(
                code(await post("/v1/shops/s1/couriers", staff, ["id": "k9", "name": "Z", "phone": "+86 3", "vehicle": "bike"]))
                    == "422 invalid_field")
            let (listStatus, list) = await get("/v1/shops/s1/couriers", staff)
            #expect(listStatus == 200 && (list as? [[String: Any]])?.first?["name"] as? String == "Li Wei")
            #expect(await get("/v1/shops/s1/couriers", otherStaff).0 == 404)

            // The courier's phone has its stream open; the staff dashboard too.
            let courierStream = StreamClient(port: suite.httpPort, token: courier)
            let staffStream = StreamClient(port: suite.httpPort, token: staff)
            #expect(await courierStream.wait { !$0.messages.isEmpty }, "no stream.open: \(courierStream.ended.value ?? "")")
            #expect(await staffStream.wait { !$0.messages.isEmpty })
            // The courier's stream says how often to send positions (the gateway's default 3 s); staff's says nothing of it.
            #expect(courierStream.messages.first?["positionCadenceMs"] as? Int == 3000, "\(courierStream.messages.first ?? [:])")
            #expect(
                staffStream.messages.first?["type"] as? String == "stream.open" && staffStream.messages.first?["positionCadenceMs"] == nil)
            let newOrder: [String: Any] = [
                "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                "recipient": ["name": "Mother", "phone": "+86 138 0000 0002", "address": "12 Garden Rd", "lat": 31.23, "lon": 121.47],
                "sender": ["name": "Admirer Wu", "anonymous": true],
                "items": [["name": "carnations", "quantity": 12]], "cardMessage": "For the best mum",
                "handling": ["noDoorstep": true], "window": ["start": "2026-05-10T10:00:00Z", "end": "2026-05-10T12:00:00Z"],
            ]
            let (created, order) = await post("/v1/orders", staff, newOrder, headers: ["Idempotency-Key": "create-1"])
            #expect(created == 201, "\(order)")
            let id = try #require(order["id"] as? String)
            #expect(order["status"] as? String == "placed")
            #expect((order["conversationId"] as? String)?.hasSuffix(id) == true)
            let tracking = try #require(order["trackingUrl"] as? String)
            #expect(tracking.hasPrefix("\(base)/t/"))
            let customerToken = String(tracking.split(separator: "/").last!)
            // The link opens the customer's page, which follows the order with the token from its URL.
            let (page, pageResponse) = try #require(await Harness.data(for: URLRequest(url: URL(string: tracking)!)))
            let pageHTTP = try #require(pageResponse as? HTTPURLResponse)
            #expect(pageHTTP.statusCode == 200 && pageHTTP.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/html") == true)
            #expect(pageHTTP.value(forHTTPHeaderField: "Referrer-Policy") == "no-referrer")
            #expect(pageHTTP.value(forHTTPHeaderField: "Cache-Control") == "no-store")
            #expect(String(decoding: page, as: UTF8.self).contains("/customer/customer.js"))
            let trackingClaims = try signer.verify(customerToken)
            #expect(trackingClaims.role == .customer && trackingClaims.order == id && trackingClaims.sid == "tl.\(id).0")
            // The client's retry returns the same order, never a second one.
            let (retried, again) = await post("/v1/orders", staff, newOrder, headers: ["Idempotency-Key": "create-1"])
            #expect(retried == 201 && again["id"] as? String == id)

            #expect(await post("/v1/orders/\(id)/confirm", staff).0 == 200)
            #expect(await post("/v1/orders/\(id)/assign", staff, ["courierId": "k1"]).0 == 200)
            // Pushed at once: the assignment is on the courier's stream within a second of the staff's call.
            let assigned = await courierStream.waitForEvent("order.assigned", order: id, timeout: .seconds(1))
            let pushedOrder = try #require((assigned?["data"] as? [String: Any])?["order"] as? [String: Any], "no assignment pushed")
            #expect((pushedOrder["recipient"] as? [String: Any])?["address"] as? String == "12 Garden Rd")
            #expect(pushedOrder["cardMessage"] == nil && pushedOrder["sender"] == nil)
            for (action, token) in [("accept", courier), ("pickup", courier), ("depart", courier)] {
                let (status, moved) = await post("/v1/orders/\(id)/\(action)", token)
                #expect(status == 200, "\(action): \(moved)")
            }
            // The shop's dashboard saw every step, in order.
            #expect(await staffStream.wait { $0.events.count >= 6 })
            #expect(
                staffStream.events.prefix(6).map { $0["type"] as? String } == [
                    "order.placed", "order.confirmed", "order.assigned", "order.accepted", "order.pickedUp", "order.outForDelivery",
                ])
            let (_, seenByCourier) = await get("/v1/orders/\(id)", courier)
            let courierView = try #require(seenByCourier as? [String: Any])
            #expect(courierView["state"] as? String == "outForDelivery")
            #expect(courierView["cardMessage"] == nil && courierView["sender"] == nil)
            #expect((courierView["recipient"] as? [String: Any])?["phone"] as? String == "+86 138 0000 0002")
            let (_, seenByCustomer) = await get("/v1/orders/\(id)", customerToken)
            #expect((seenByCustomer as? [String: Any])?["cardMessage"] as? String == "For the best mum")
            let (_, timeline) = await get("/v1/orders/\(id)/timeline", staff)
            let steps = (timeline as? [[String: Any]])?.map { "\($0["state"]!)@\($0["actor"]!)" }
            #expect(
                steps == [
                    "placed@staff:st1", "confirmed@staff:st1", "assigned@staff:st1", "accepted@courier:k1",
                    "pickedUp@courier:k1", "outForDelivery@courier:k1",
                ])

            // After pickup the customer asks to leave the flowers with a neighbour: staff approve; the courier sees it.
            let (asked, change) = await post(
                "/v1/orders/\(id)/changes", customerToken,
                ["dropOff": ["kind": "handToNeighbour", "description": "Mrs Zhang, flat 3B"]])
            #expect(asked == 201 && change["state"] as? String == "pending", "\(change)")
            let changeId = try #require(change["id"] as? String)
            #expect(code(await post("/v1/orders/\(id)/changes/\(changeId)/approve", customerToken)) == "404 not_found")
            #expect(await post("/v1/orders/\(id)/changes/\(changeId)/approve", staff).1["state"] as? String == "applied")
            #expect(code(await post("/v1/orders/\(id)/changes/\(changeId)/reject", staff)) == "409 invalid_transition")
            let dropOff = ((await get("/v1/orders/\(id)", courier).1 as? [String: Any])?["dropOff"] as? [String: Any])
            #expect(dropOff?["description"] as? String == "Mrs Zhang, flat 3B")
            let applied = await courierStream.waitForEvent("order.change.applied", order: id)
            let appliedDropOff = ((applied?["data"] as? [String: Any])?["change"] as? [String: Any])?["dropOff"] as? [String: Any]
            #expect(appliedDropOff?["description"] as? String == "Mrs Zhang, flat 3B", "courier stream: \(courierStream.frames.value)")
            #expect(
                code(
                    await post(
                        "/v1/orders/\(id)/changes", customerToken,
                        ["window": ["start": "2026-05-10T12:00:00Z", "end": "2026-05-10T11:00:00Z"]])) == "422 invalid_field")

            // The courier reports traffic; staff acknowledge and resolve with contactCustomer.
            let (opened, exception) = await post("/v1/orders/\(id)/exceptions", courier, ["kind": "traffic", "note": "ring road jammed"])
            #expect(opened == 201 && exception["state"] as? String == "open", "\(exception)")
            let exceptionId = try #require(exception["id"] as? String)
            #expect(
                code(await post("/v1/exceptions/\(exceptionId)/resolve", staff, ["resolution": "contactCustomer"]))
                    == "409 invalid_transition")
            #expect(code(await post("/v1/exceptions/\(exceptionId)/ack", otherStaff)) == "404 not_found")
            #expect(await post("/v1/exceptions/\(exceptionId)/ack", staff).1["state"] as? String == "acknowledged")
            let (resolvedStatus, resolved) = await post(
                "/v1/exceptions/\(exceptionId)/resolve", staff, ["resolution": "contactCustomer", "note": "called Mei"])
            #expect(
                resolvedStatus == 200 && resolved["resolution"] as? String == "contactCustomer"
                    && resolved["resolvedBy"] as? String == "staff:st1")
            #expect(
                await staffStream.waitForEvent("exception.resolved", order: id) != nil,
                "staff stream: \(staffStream.frames.value.suffix(3))")
            // Nothing the courier's stream carried names the card or the anonymous sender; each event came once.
            for frame in courierStream.frames.value {
                #expect(!frame.contains("For the best mum") && !frame.contains("Admirer Wu"), "\(frame)")
            }
            for stream in [courierStream, staffStream] {
                let positions = stream.events.compactMap { $0["pos"] as? Int }
                #expect(positions == positions.sorted() && Set(positions).count == positions.count, "\(positions)")
                await stream.close()
            }
            #expect(code(await post("/v1/orders/\(id)/exceptions", courier, ["kind": "bored"])) == "400 bad_request")

            // Lists: what each caller may see, paginated.
            let (_, staffList) = await get("/v1/orders?limit=10", staff)
            #expect(((staffList as? [String: Any])?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let (_, courierList) = await get("/v1/orders?status=outForDelivery", courier)
            let courierItems = (courierList as? [String: Any])?["items"] as? [[String: Any]]
            #expect(courierItems?.count == 1 && courierItems?.first?["cardMessage"] == nil)
            #expect(((await get("/v1/orders", otherStaff).1 as? [String: Any])?["items"] as? [Any])?.isEmpty == true)
            #expect(await get("/v1/orders?status=wilted", staff).0 == 422)
            #expect(await get("/v1/orders?cursor=nope", staff).0 == 400)

            // Errors, each with its status and stable code.
            #expect(code(await post("/v1/orders/\(id)/confirm", staff)) == "409 invalid_transition")
            #expect(code(await post("/v1/orders/\(id)/confirm", otherStaff)) == "404 not_found")
            #expect(code(await post("/v1/orders/\(id)/confirm", nil)) == "401 unauthorized")
            #expect(code(await post("/v1/orders/\(id)/confirm", staff + "x")) == "401 unauthorized")
            #expect(
                code(
                    await post(
                        "/v1/orders/\(id)/confirm",
                        try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 1, now: Date().addingTimeInterval(-60))))
                    == "401 unauthorized")
            var badLat = newOrder
            badLat["recipient"] = ["name": "Mother", "address": "x", "lat": 91, "lon": 0]
            #expect(code(await post("/v1/orders", staff, badLat)) == "422 invalid_field")
            var badWindow = newOrder
            badWindow["window"] = ["start": "2026-05-10T12:00:00Z", "end": "2026-05-10T10:00:00Z"]
            #expect(code(await post("/v1/orders", staff, badWindow)) == "422 invalid_field")
            let (malformed, malformedBody) = await Harness.http("POST", base + "/v1/orders", token: staff, rawBody: Data("{not json".utf8))
            #expect(malformed == 400 && (malformedBody as? [String: Any])?["code"] as? String == "bad_request")
            let (huge, _) = await Harness.http("POST", base + "/v1/orders", token: staff, rawBody: Data(count: (1 << 20) + 10))
            #expect(huge == 413)
            #expect(await get("/v1/orders/o-none", staff).0 == 404)
            // Still serving.
            #expect(await get("/v1/orders/\(id)", staff).0 == 200)
            #expect(await suite.stop())
        }
    }
}
