import Crypto
import Foundation
import PosySchema
import Testing

extension Integration {
    /// Web Push subscriptions through the gateway: each person subscribes their own devices (a
    /// customer from the tracking link), sees and removes only their own; endpoints are outbound
    /// destinations and keys are RFC 8291 keys, or 422; the VAPID key is the suite's, kept 0600.
    @Suite(.serialized) struct PushSubscriptionTests {
        typealias Shop = ReceiptsAPITests.Shop

        /// A browser's subscription JSON: a fresh P-256 key and auth secret.
        static func subscription(_ endpoint: String, p256dh: String? = nil, auth: String? = nil) -> [String: Any] {
            [
                "endpoint": endpoint, "expirationTime": NSNull(),
                "keys": [
                    "p256dh": p256dh ?? Base64URL.encode(P256.KeyAgreement.PrivateKey().publicKey.x963Representation),
                    "auth": auth ?? Base64URL.encode(Data((0..<16).map { _ in UInt8.random(in: 0...255) })),
                ],
            ]
        }

        @Test(.timeLimit(.minutes(2)))
        func peopleSubscribeTheirOwnDevicesWithRealKeysToPublicEndpoints() async throws {
            let suite = try SuiteTests.Suite("push-subs")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            let http = shop.http

            // The key pages subscribe with: one P-256 point, the same for everyone, from the suite's key file.
            let key = await http.request("GET", "/v1/push/key", token: shop.courier)
            let publicKey = try #require(key.json["publicKey"] as? String, "\(key.code) \(key.json)")
            let point = try #require(Base64URL.decode(publicKey))
            #expect(point.count == 65 && point.first == 0x04)
            #expect(await http.request("GET", "/v1/push/key", token: shop.staff).json["publicKey"] as? String == publicKey)
            let file = "\(suite.dir)/data/keys/vapid.p256"
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let raw = try #require(
                Base64URL.decode(
                    String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self).trimmingCharacters(
                        in: .whitespacesAndNewlines)))
            #expect(try P256.Signing.PrivateKey(rawRepresentation: raw).publicKey.x963Representation == point)

            // A courier's phone subscribes; the reply carries no keys.
            let phone = "https://fcm.googleapis.com/fcm/send/wpush/v2/courier-phone"
            let made = await http.json("POST", "/v1/push/subscriptions", token: shop.courier, Self.subscription(phone))
            #expect(made.status == 201, "\(made.code) \(made.json)")
            let id = try #require(made.json["id"] as? String)
            #expect(made.json["endpoint"] as? String == phone && made.json["keys"] == nil && made.json["orderId"] == nil)

            // Hostile or broken subscriptions: 422 with the reason, nothing kept.
            let offCurve: String = {
                var p = Base64URL.decode(Self.subscription(phone)["keys"].flatMap { ($0 as? [String: String])?["p256dh"] } ?? "")!
                p[64] ^= 1
                return Base64URL.encode(p)
            }()
            for (body, code) in [
                (Self.subscription("https://127.0.0.1:\(suite.httpPort)/x"), "422 destination_not_allowed"),
                (Self.subscription("https://169.254.169.254/latest"), "422 destination_not_allowed"),
                (Self.subscription("http://fcm.googleapis.com/plain-http"), "422 invalid_field"),
                (Self.subscription("file:///etc/passwd"), "422 invalid_field"),
                (Self.subscription("https://fcm.googleapis.com/fcm/send/a", p256dh: offCurve), "422 invalid_field"),
                (Self.subscription("https://fcm.googleapis.com/fcm/send/b", p256dh: "not-a-key"), "422 invalid_field"),
                (Self.subscription("https://fcm.googleapis.com/fcm/send/c", auth: "BTBZMqHH6r4Tts7J_aSI"), "422 invalid_field"),
                (Self.subscription("https://fcm.googleapis.com/fcm/send/d").merging(["expirationTime": 1_000]) { $1 }, "422 invalid_field"),
                (["endpoint": "https://fcm.googleapis.com/fcm/send/e"], "400 bad_request"),
            ] {
                let r = await http.json("POST", "/v1/push/subscriptions", token: shop.courier, body)
                #expect(r.code == code, "\(body["endpoint"] ?? ""): \(r.code) \(r.json)")
            }
            let mine = await http.request("GET", "/v1/push/subscriptions", token: shop.courier)
            let listed = ((try? JSONSerialization.jsonObject(with: mine.body)) as? [[String: Any]]) ?? []
            #expect(listed.map { $0["id"] as? String } == [id], "\(listed)")

            // Only one's own: another courier and staff see none of it and cannot remove it; admins keep no devices.
            #expect(await http.request("GET", "/v1/push/subscriptions", token: shop.otherCourier).body == Data("[]".utf8))
            #expect(await http.request("DELETE", "/v1/push/subscriptions/\(id)", token: shop.otherCourier).code == "404 not_found")
            #expect(await http.request("DELETE", "/v1/push/subscriptions/\(id)", token: shop.staff).code == "404 not_found")
            #expect(
                await http.json(
                    "POST", "/v1/push/subscriptions", token: shop.admin, Self.subscription("https://fcm.googleapis.com/fcm/send/admin")
                ).code
                    == "403 forbidden")
            // A customer subscribes from the order's tracking link, for that order; without one, not at all.
            #expect(
                await http.json(
                    "POST", "/v1/push/subscriptions", token: shop.customer, Self.subscription("https://fcm.googleapis.com/fcm/send/c1")
                ).code
                    == "403 forbidden")
            let placed = await shop.placeOrder()
            let order = try #require(placed.json["id"] as? String, "\(placed.code)")
            let link = try #require((placed.json["trackingUrl"] as? String)?.split(separator: "/").last.map(String.init))
            let customer = await http.json(
                "POST", "/v1/push/subscriptions", token: link, Self.subscription("https://fcm.googleapis.com/fcm/send/mei"))
            #expect(customer.status == 201 && customer.json["orderId"] as? String == order, "\(customer.code) \(customer.json)")

            // The same browser endpoint subscribed by someone else now is theirs alone.
            #expect(await http.json("POST", "/v1/push/subscriptions", token: shop.staff, Self.subscription(phone)).status == 201)
            #expect(await http.request("GET", "/v1/push/subscriptions", token: shop.courier).body == Data("[]".utf8))
            #expect(await http.request("DELETE", "/v1/push/subscriptions/\(id)", token: shop.courier).code == "404 not_found")

            // At most ten devices a person: the eleventh replaces the oldest.
            var ids: [String] = []
            for n in 0..<11 {
                let r = await http.json(
                    "POST", "/v1/push/subscriptions", token: shop.otherCourier,
                    Self.subscription("https://fcm.googleapis.com/fcm/send/k2-\(n)"))
                #expect(r.status == 201, "device \(n): \(r.code) \(r.json)")
                ids.append(r.json["id"] as? String ?? "")
            }
            let kept = await http.request("GET", "/v1/push/subscriptions", token: shop.otherCourier)
            let keptIds = Set(
                (((try? JSONSerialization.jsonObject(with: kept.body)) as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
            #expect(keptIds == Set(ids.dropFirst()), "\(keptIds.count) kept")
            let removed = await http.request("DELETE", "/v1/push/subscriptions/\(ids[5])", token: shop.otherCourier)
            #expect(removed.status == 200 && removed.json["endpoint"] as? String == "https://fcm.googleapis.com/fcm/send/k2-5")
            #expect(await suite.stop())
        }

        /// A new assignment reaches the courier's phone through a push service (Tests/python/push_service.py,
        /// which checks the VAPID token and decrypts with PyPI's http_ece): high urgency, kept for the
        /// acceptance deadline, the body encrypted; when the push service says the subscription is
        /// gone (410), posy-notify removes it.
        @Test(.timeLimit(.minutes(2)))
        func anAssignmentReachesTheCouriersPhoneAndAGoneSubscriptionIsRemoved() async throws {
            let phone = try PushService()
            defer { phone.stop() }
            let base = phone.base
            func log() async -> [[String: Any]] { await phone.log() }
            #expect(await phone.ready(), "the push service did not start")

            let suite = try SuiteTests.Suite(
                "push-send", environment: ["POSY_ALLOW_LOCAL_TARGETS": "1", "POSY_PUSH_CONTACT": "mailto:ops@posy.example"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            let http = shop.http
            let subscribed = await http.json("POST", "/v1/push/subscriptions", token: shop.courier, phone.subscription("/push/k1-phone"))
            #expect(subscribed.status == 201, "\(subscribed.code) \(subscribed.json)")

            func assignNewOrder() async throws -> String {
                let placed = await shop.placeOrder()
                let id = try #require(placed.json["id"] as? String, "\(placed.code)")
                #expect(await http.json("POST", "/v1/orders/\(id)/confirm", token: shop.staff).status == 200)
                #expect(await http.json("POST", "/v1/orders/\(id)/assign", token: shop.staff, ["courierId": "k1"]).status == 200)
                return id
            }
            let order = try await assignNewOrder()
            #expect(await Harness.waitFor(.seconds(20)) { await !log().isEmpty }, "no push reached the push service")
            let first = try #require(await log().first)
            #expect(first["problems"] as? [String] == [], "\(first)")
            #expect(first["urgency"] as? String == "high" && first["ttl"] as? String == "180", "\(first)")
            #expect((first["claims"] as? [String: Any])?["sub"] as? String == "mailto:ops@posy.example")
            #expect(first["plaintextInBody"] as? Bool == false, "the body went out readable")
            let note = ((first["payload"] as? [String: Any])?["notification"] as? [String: Any]) ?? [:]
            #expect(((first["payload"] as? [String: Any])?["web_push"] as? Int) == 8030)
            #expect(
                note["title"] as? String == "New delivery" && (note["body"] as? String)?.contains("Please accept it") == true, "\(note)")
            #expect((note["navigate"] as? String)?.hasSuffix("/courier/#order=\(order)") == true, "\(note)")
            #expect(note["tag"] as? String == first["topic"] as? String)
            #expect((note["data"] as? [String: Any])?["orderId"] as? String == order)
            let actions = note["actions"] as? [[String: Any]] ?? []
            #expect(actions.count == 1 && actions.first?["action"] as? String == "accept" && actions.first?["title"] as? String == "Accept")

            // The courier's report answered by the shop: heard on the phone, as the shop's answer.
            let opened = await http.json("POST", "/v1/orders/\(order)/exceptions", token: shop.courier, ["kind": "traffic"])
            let exception = try #require(opened.json["id"] as? String, "\(opened.code) \(opened.json)")
            #expect(await http.json("POST", "/v1/exceptions/\(exception)/ack", token: shop.staff).status == 200)
            #expect(await Harness.waitFor(.seconds(20)) { await log().count >= 2 }, "the shop's answer never reached the phone")
            let answer = try #require(await log().last)
            let answered = ((answer["payload"] as? [String: Any])?["notification"] as? [String: Any]) ?? [:]
            #expect(answer["problems"] as? [String] == [] && answered["title"] as? String == "The shop is on it", "\(answer)")
            #expect((answered["body"] as? String)?.contains(order) == true && answer["topic"] as? String != first["topic"] as? String)

            // The phone unsubscribed: the push service answers 410, and the subscription is gone.
            #expect(await Harness.http("POST", base + "/answer/410").0 == 200)
            _ = try await assignNewOrder()
            #expect(await Harness.waitFor(.seconds(20)) { await log().count >= 3 }, "the last push never came")
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await http.request("GET", "/v1/push/subscriptions", token: shop.courier).body == Data("[]".utf8)
                }, "a subscription the push service called gone was kept")
            #expect(await suite.stop())
        }

        /// `Tests/python/push_service.py` on a free port: a push service for one device, whose keys
        /// it holds, that checks every VAPID token and decrypts every message with PyPI's `http_ece`.
        final class PushService: @unchecked Sendable {
            let device = P256.KeyAgreement.PrivateKey()
            let auth = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
            let port = Harness.freePorts(1)
            let process = Process()

            init() throws {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [
                    "python3", Harness.packageRoot.appendingPathComponent("Tests/python/push_service.py").path, "\(port)",
                    Base64URL.encode(device.rawRepresentation), Base64URL.encode(auth),
                ]
                try process.run()
            }

            var base: String { "http://127.0.0.1:\(port)" }

            func ready() async -> Bool { await Harness.waitFor(.seconds(10)) { await Harness.get(self.base + "/log").0 == 200 } }

            func log() async -> [[String: Any]] {
                let (_, data) = await Harness.get(base + "/log")
                return (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? []
            }

            /// The subscription a browser would post for this device at `path`.
            func subscription(_ path: String) -> [String: Any] {
                PushSubscriptionTests.subscription(
                    base + path, p256dh: Base64URL.encode(device.publicKey.x963Representation), auth: Base64URL.encode(auth))
            }

            /// The notifications that arrived, decrypted: `[(title, body)]`.
            func notifications() async -> [(title: String, body: String)] {
                await log().compactMap { entry in
                    guard let n = (entry["payload"] as? [String: Any])?["notification"] as? [String: Any] else { return nil }
                    return (n["title"] as? String ?? "", n["body"] as? String ?? "")
                }
            }

            func stop() { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        }

        /// A chat message reaches a courier or customer whose app is not connected (no device took
        /// it within posy-messaging's `--unheard-after`) as a push, each in their own words
        /// and never one meant for the other; a device that took it (`msg.delivered`, as the pages
        /// send) gets none. (The wait is 5 s here: the courier's device says it took the message long before.)
        @Test(.timeLimit(.minutes(2)))
        func aChatMessageReachesThePhoneOfWhoeverIsNotConnected() async throws {
            let courierPhone = try PushService()
            let customerPhone = try PushService()
            defer {
                courierPhone.stop()
                customerPhone.stop()
            }
            let courierReady = await courierPhone.ready()
            let customerReady = await customerPhone.ready()
            #expect(courierReady && customerReady, "the push services did not start")
            let suite = try SuiteTests.Suite(
                "push-chat",
                environment: [
                    "POSY_ALLOW_LOCAL_TARGETS": "1", "POSY_PUSH_CONTACT": "mailto:ops@posy.example", "POSY_CHAT_UNHEARD_AFTER": "5",
                ])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            let http = shop.http
            let placed = await shop.placeOrder()
            let order = try #require(placed.json["id"] as? String, "\(placed.code)")
            let link = try #require((placed.json["trackingUrl"] as? String)?.split(separator: "/").last.map(String.init))
            #expect(
                await http.json("POST", "/v1/push/subscriptions", token: shop.courier, courierPhone.subscription("/push/k1")).status == 201)
            #expect(await http.json("POST", "/v1/push/subscriptions", token: link, customerPhone.subscription("/push/c1")).status == 201)
            for (action, token) in [("confirm", shop.staff), ("assign", shop.staff), ("accept", shop.courier)] {
                let body: [String: Any] = action == "assign" ? ["courierId": "k1"] : [:]
                #expect(await http.json("POST", "/v1/orders/\(order)/\(action)", token: token, body).status == 200, "\(action)")
            }
            let conversation = try #require(
                await http.request("GET", "/v1/orders/\(order)", token: shop.staff).json["conversationId"] as? String)
            #expect(await Harness.waitFor(.seconds(20)) { await courierPhone.notifications().count == 1 }, "the assignment's push")

            // Nobody's app is connected: both phones hear of the shop's message, each in their own words.
            func say(_ text: String) async -> Int64? {
                let sent = await http.json(
                    "POST", "/v1/conversations/\(conversation)/messages", token: shop.staff,
                    ["clientMsgId": UUID().uuidString, "kind": "text", "text": text])
                return (sent.json["seq"] as? NSNumber)?.int64Value
                    ?? ((sent.json["message"] as? [String: Any])?["seq"] as? NSNumber)?.int64Value
            }
            _ = await say("Your flowers leave at ten.")
            #expect(await Harness.waitFor(.seconds(20)) { await customerPhone.notifications().count == 1 }, "the customer's push")
            #expect(await Harness.waitFor(.seconds(10)) { await courierPhone.notifications().count == 2 }, "the courier's push")
            let toCourier = await courierPhone.notifications().last
            let toCustomer = await customerPhone.notifications().last
            #expect(
                toCourier?.title == "New message" && toCourier?.body.contains("order \(order)") == true, "\(String(describing: toCourier))")
            #expect(
                toCustomer?.title == "New message" && toCustomer?.body.contains("about your order") == true,
                "\(String(describing: toCustomer))")
            #expect(await (courierPhone.log() + customerPhone.log()).allSatisfy { ($0["problems"] as? [String]) == [] })
            #expect(
                await !(courierPhone.log() + customerPhone.log()).contains { "\($0)".contains("leave at ten") },
                "what was said stays off the push")

            // The courier's app is connected and takes the next message at once: no push; the customer's is not.
            let app = ChatClient(port: suite.httpPort, token: shop.courier, name: "courier")
            #expect(await app.connected())
            _ = await say("Ring twice, please.")
            #expect(await app.wait { fs in fs.contains { $0["type"] as? String == "msg.new" && "\($0)".contains("Ring twice") } })
            let pushed = try #require(app.pushes("msg.new").last?["data"] as? [String: Any])
            let taken = try await app.call(["type": "msg.delivered", "conversationId": conversation, "seq": pushed["seq"] ?? 0])
            #expect(taken["ok"] as? Bool == true, "\(taken)")
            #expect(await Harness.waitFor(.seconds(20)) { await customerPhone.notifications().count == 2 }, "the customer's second push")
            try await Task.sleep(for: .seconds(1))
            #expect(await courierPhone.notifications().count == 2, "a device that took the message was pushed about it")
            await app.close()
            #expect(await suite.stop())
        }
    }
}
