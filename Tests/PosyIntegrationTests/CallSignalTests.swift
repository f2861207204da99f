import Foundation
import PosyAuth
import Testing

extension Integration {
    /// A video call's signalling relayed by Posy between an order's parties over real WebSockets
    /// (docs/protocol.md, "Calls"): only while the order is on its way, only to that order's
    /// customer (their devices and the order's tracking link), courier and shop — never to another
    /// customer or another shop — and the call's start, answer and end written to the chat.
    @Suite(.serialized) struct CallSignalTests {
        typealias Shop = ReceiptsAPITests.Shop

        @Test(.timeLimit(.minutes(3)))
        func signalsReachTheOrdersPartiesOnlyWhileItIsOnItsWay() async throws {
            let suite = try SuiteTests.Suite("call-signal")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            let port = suite.httpPort
            let signer = try suite.signer()

            // An order not yet on its way: no call.
            let (early, earlyConversation) = try await ChatTests.acceptedOrder(shop)
            let courier = ChatClient(port: port, token: shop.courier, name: "courier")
            #expect(await courier.connected())
            let refused = try await courier.call([
                "type": "call.signal", "conversationId": earlyConversation, "callId": "call-0", "kind": "invite", "device": "k1-phone",
            ])
            #expect((refused["error"] as? [String: Any])?["code"] as? String == "invalid_transition", "\(refused) (order \(early))")

            let orderId = try await shop.orderOutForDelivery()
            let conversation = try #require(
                await shop.http.request("GET", "/v1/orders/\(orderId)", token: shop.staff).json["conversationId"] as? String)
            let link = try signer.mint(sub: "c1", role: .customer, order: orderId, ttl: 900)
            let phone = ChatClient(port: port, token: shop.customer, name: "phone")
            let tablet = ChatClient(port: port, token: shop.customer, name: "tablet")
            let tracking = ChatClient(port: port, token: link, name: "tracking link")
            let staff = ChatClient(port: port, token: shop.staff, name: "staff")
            let stranger = ChatClient(port: port, token: shop.stranger, name: "another customer")
            let otherShop = ChatClient(port: port, token: shop.otherStaff, name: "another shop")
            let otherCourier = ChatClient(port: port, token: shop.otherCourier, name: "another courier")
            let everyone = [phone, tablet, tracking, staff, stranger, otherShop, otherCourier]
            for d in everyone { #expect(await d.connected(), "\(d.name) never connected") }

            func step(_ d: ChatClient, _ fields: [String: Any]) async throws -> [String: Any] {
                try await d.call(["type": "call.signal", "conversationId": conversation, "callId": "call-1"].merging(fields) { $1 })
            }
            func relayed(_ d: ChatClient, _ kind: String) -> [[String: Any]] {
                d.pushes("call.signal").compactMap { $0["data"] as? [String: Any] }
                    .filter { ($0["signal"] as? [String: Any])?["kind"] as? String == kind }
            }

            // The courier rings; every device of the customer, the tracking link and the shop hear it.
            #expect(try await step(courier, ["kind": "invite", "device": "k1-phone"])["ok"] as? Bool == true)
            for d in [phone, tablet, tracking, staff] {
                #expect(await d.wait { _ in !relayed(d, "invite").isEmpty }, "\(d.name) never heard the invite")
            }
            let invite = try #require(relayed(phone, "invite").first)
            #expect(invite["from"] as? String == "courier" && invite["orderId"] as? String == orderId)
            // The phone answers; the tablet learns it was answered elsewhere (and stops ringing).
            #expect(try await step(phone, ["kind": "accept", "device": "c1-phone"])["ok"] as? Bool == true)
            #expect(await tablet.wait { _ in !relayed(tablet, "accept").isEmpty })
            #expect(await courier.wait { _ in !relayed(courier, "accept").isEmpty })
            let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            #expect(try await step(courier, ["kind": "offer", "device": "k1-phone", "sdp": sdp])["ok"] as? Bool == true)
            #expect(await phone.wait { _ in (relayed(phone, "offer").first?["signal"] as? [String: Any])?["sdp"] as? String == sdp })
            #expect(try await step(phone, ["kind": "answer", "device": "c1-phone", "sdp": sdp])["ok"] as? Bool == true)
            let candidate: [String: Any] = [
                "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdpMid": "0", "sdpMLineIndex": 0,
            ]
            #expect(try await step(phone, ["kind": "ice", "device": "c1-phone", "candidate": candidate])["ok"] as? Bool == true)
            #expect(await courier.wait { _ in !relayed(courier, "ice").isEmpty })
            #expect(try await step(phone, ["kind": "hangup", "device": "c1-phone", "reason": "looks good"])["ok"] as? Bool == true)
            #expect(await courier.wait { _ in !relayed(courier, "hangup").isEmpty })

            // Malformed steps are refused with what is wrong.
            for bad: [String: Any] in [
                ["kind": "offer", "device": "k1-phone"], ["kind": "ring", "device": "k1 phone"], ["kind": "dial", "device": "k1-phone"],
                ["kind": "ice", "device": "k1-phone", "candidate": "not an object"],
                ["kind": "offer", "device": "k1-phone", "sdp": String(repeating: "a", count: 16 * 1024 + 1)],
                ["kind": "invite", "device": "k1-phone", "sdp": sdp],
            ] {
                let reply = try await step(courier, bad)
                #expect((reply["error"] as? [String: Any])?["code"] as? String == "invalid_field", "\(bad["kind"] ?? ""): \(reply)")
            }
            // Nobody else may call on this order, or hears anything of it.
            for d in [stranger, otherShop, otherCourier] {
                let reply = try await step(d, ["kind": "invite", "device": "x"])
                #expect((reply["error"] as? [String: Any])?["code"] as? String == "not_found", "\(d.name): \(reply)")
            }
            try await Task.sleep(for: .milliseconds(500))
            for d in [stranger, otherShop, otherCourier] { #expect(d.pushes("call.signal").isEmpty, "\(d.name) heard a call") }

            // The chat keeps the call: started, answered, ended with its length.
            let texts = await Harness.waitFor(.seconds(10)) {
                let all = await ChatTests.messages(shop, conversation, token: shop.staff).compactMap { $0["text"] as? String }
                return all.contains { $0.hasPrefix("Video call ended by the customer after") }
            }
            #expect(texts)
            let all = await ChatTests.messages(shop, conversation, token: shop.customer).compactMap { $0["text"] as? String }
            #expect(all.contains("Video call started by the courier.") && all.contains("Video call answered by the customer."), "\(all)")
            // Its card says the same for the faces to say in their reader's language: who ended it, after how long.
            let hangup = await ChatTests.messages(shop, conversation, token: shop.customer).compactMap { $0["card"] as? [String: Any] }
                .first { $0["event"] as? String == "call.hangup" }
            #expect(hangup?["by"] as? String == "customer" && (hangup?["seconds"] as? Int).map { $0 >= 0 } == true, "\(hangup ?? [:])")
            for d in everyone + [courier] { await d.close() }
            #expect(await suite.stop())
        }
    }
}
