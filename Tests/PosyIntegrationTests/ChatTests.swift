import Foundation
import Testing

extension Integration {
    /// Chat end to end: real WebSocket devices of every party chatting through `posy up` with two shards.
    @Suite(.serialized) struct ChatTests {
        typealias Shop = ReceiptsAPITests.Shop

        /// An order of `customer` confirmed, assigned to `courier` and accepted; returns (order, conversation).
        static func acceptedOrder(
            _ shop: Shop, customer: String = "c1", courierToken: String? = nil, courierId: String = "k1"
        )
            async throws -> (String, String)
        {
            let fmt = ISO8601DateFormatter()
            let created = await shop.http.json(
                "POST", "/v1/orders", token: shop.staff,
                [
                    "shopId": "s1", "customer": ["id": customer, "name": "Mei"],
                    "recipient": ["name": "Mother", "phone": "+49 30 1", "address": "Karl-Marx-Allee 1", "lat": 52.5208, "lon": 13.4095],
                    "items": [["name": "carnations", "quantity": 12]],
                    "window": ["start": fmt.string(from: Date()), "end": fmt.string(from: Date().addingTimeInterval(7200))],
                ])
            let id = try #require(created.json["id"] as? String, "\(created.code)")
            let conversation = try #require(created.json["conversationId"] as? String)
            #expect(await shop.http.json("POST", "/v1/orders/\(id)/confirm", token: shop.staff).status == 200)
            #expect(await shop.http.json("POST", "/v1/orders/\(id)/assign", token: shop.staff, ["courierId": courierId]).status == 200)
            #expect(await shop.http.json("POST", "/v1/orders/\(id)/accept", token: courierToken ?? shop.courier).status == 200)
            return (id, conversation)
        }

        /// The conversation as `token` sees it, once it has at least `lastSeq` messages (events reach the shard asynchronously).
        static func conversation(_ shop: Shop, _ id: String, token: String, lastSeq: Int = 1) async -> [String: Any]? {
            var found: [String: Any]?
            _ = await Harness.waitFor(.seconds(10)) {
                let r = await shop.http.request("GET", "/v1/conversations/\(id)", token: token)
                found = r.status == 200 ? r.json : nil
                return (found?["lastSeq"] as? Int ?? 0) >= lastSeq
            }
            return found
        }

        static func messages(_ shop: Shop, _ id: String, token: String) async -> [[String: Any]] {
            var all: [[String: Any]] = []
            var after = 0
            while true {
                let page = await shop.http.request("GET", "/v1/conversations/\(id)/messages?after=\(after)&limit=200", token: token).json
                let batch = page["messages"] as? [[String: Any]] ?? []
                all += batch
                guard page["hasMore"] as? Bool == true, let last = batch.last?["seq"] as? Int else { return all }
                after = last
            }
        }

        static func receipt(_ summary: [String: Any]?, _ party: String) -> (delivered: Int, read: Int)? {
            guard let r = (summary?["receipts"] as? [[String: Any]])?.first(where: { $0["party"] as? String == party }) else { return nil }
            return (r["deliveredSeq"] as? Int ?? -1, r["readSeq"] as? Int ?? -1)
        }

        @Test(.timeLimit(.minutes(5)))
        func threePartiesOnFourDevicesWithReceiptsUnreadRecallResendSyncAndAccess() async throws {
            let suite = try SuiteTests.Suite("chat-story")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            let http = shop.http
            let port = suite.httpPort
            let phone = ChatClient(port: port, token: shop.customer, name: "phone")
            let tablet = ChatClient(port: port, token: shop.customer, name: "tablet")
            let staff = ChatClient(port: port, token: shop.staff, name: "staff")
            let courier = ChatClient(port: port, token: shop.courier, name: "courier")
            for d in [phone, tablet, staff, courier] { #expect(await d.connected(), "\(d.name) never connected") }

            let (orderId, conv) = try await Self.acceptedOrder(shop)
            // placed, confirmed, "Jonas will deliver" are written into the chat by Posy: state cards,
            // there to look at, unread for nobody.
            let start = try #require(await Self.conversation(shop, conv, token: shop.customer, lastSeq: 3))
            #expect(start["unread"] as? Int == 0)
            #expect((start["lastMessage"] as? [String: Any])?["party"] as? String == "system")
            let courierStart = try #require(await Self.conversation(shop, conv, token: shop.courier, lastSeq: 3))
            #expect(courierStart["unread"] as? Int == 0, "the courier joined at the third message: \(courierStart)")
            #expect(await Self.conversation(shop, conv, token: shop.staff, lastSeq: 3)?["unread"] as? Int == 0)

            // 1. The customer writes from the phone: acked with seq 4 and the server time.
            let hello = try await phone.say(conv, "Hello! Please ring twice, Mum is a bit deaf.", id: "hello-1")
            let helloData = try #require(hello["data"] as? [String: Any], "\(hello)")
            let sent = try #require(helloData["message"] as? [String: Any])
            #expect(sent["seq"] as? Int == 4 && sent["at"] is String && helloData["duplicate"] as? Bool == false)
            // Every device of every party gets it once; each with its own unread count (own messages never count).
            for (d, unread) in [(tablet, 0), (staff, 1), (courier, 1), (phone, 0)] {
                #expect(await d.wait { _ in d.seqs(conv).contains(4) }, "\(d.name) never got seq 4")
                #expect(d.lastUnread(conv) == unread, "\(d.name) unread \(String(describing: d.lastUnread(conv))), want \(unread)")
            }

            // 2. The courier answers with a photo, the customer with a voice note, the staff shares a location.
            let photo = await http.upload(try MediaClient.fixture("photo.jpg"), type: "image/jpeg", order: orderId, token: shop.courier)
            let photoId = try #require(photo.json["id"] as? String, "\(photo.code)")
            let image = try await courier.call([
                "type": "msg.send", "conversationId": conv, "clientMsgId": "k-photo",
                "kind": "image", "mediaId": photoId,
            ])
            #expect(image["ok"] as? Bool == true, "\(image)")
            let voice = await http.upload(try MediaClient.fixture("voice.opus"), type: "audio/ogg", order: orderId, token: shop.customer)
            let voiceId = try #require(voice.json["id"] as? String, "\(voice.code)")
            // The file is 0.1 s long (its Ogg granule says so): a stated 3.2 s is refused.
            let inflated = try await tablet.call([
                "type": "msg.send", "conversationId": conv, "clientMsgId": "c-voice-long", "kind": "voice",
                "mediaId": voiceId, "durationMs": 3200,
            ])
            #expect((inflated["error"] as? [String: Any])?["code"] as? String == "invalid_field", "\(inflated)")
            let note = try await tablet.call([
                "type": "msg.send", "conversationId": conv, "clientMsgId": "c-voice", "kind": "voice",
                "mediaId": voiceId, "durationMs": 120, "waveform": [10, 80, 40],
            ])
            #expect(note["ok"] as? Bool == true, "\(note)")
            let noteMedia = ((note["data"] as? [String: Any])?["message"] as? [String: Any])?["media"] as? [String: Any]
            #expect(noteMedia?["waveform"] as? [Int] == [10, 80, 40], "\(note)")
            let place = try await staff.call([
                "type": "msg.send", "conversationId": conv, "clientMsgId": "s-loc", "kind": "location",
                "location": ["lat": 52.5208, "lon": 13.4095, "label": "Side entrance"],
            ])
            #expect(place["ok"] as? Bool == true, "\(place)")
            for d in [phone, tablet, staff, courier] {
                #expect(await d.wait { _ in Set(d.seqs(conv)).isSuperset(of: [4, 5, 6, 7]) }, "\(d.name): \(d.seqs(conv))")
                #expect(Set(d.seqs(conv)).count == d.seqs(conv).count, "\(d.name) got a message twice")
            }
            let pushedImage =
                phone.pushes("msg.new").first { ($0["data"] as? [String: Any])?["seq"] as? Int == 5 }?["data"] as? [String: Any]
            #expect((pushedImage?["media"] as? [String: Any])?["id"] as? String == photoId)
            #expect((pushedImage?["media"] as? [String: Any])?["kind"] as? String == "image")
            // Unread now: customer photo + location = 2; staff saw nothing yet: hello, photo, voice = 3 (not its
            // own location); courier: hello + voice + location = 3. The state cards count for nobody.
            #expect(phone.lastUnread(conv) == 2 && tablet.lastUnread(conv) == 2, "\(String(describing: phone.lastUnread(conv)))")
            #expect(staff.lastUnread(conv) == 3, "\(String(describing: staff.lastUnread(conv)))")
            #expect(courier.lastUnread(conv) == 3, "\(String(describing: courier.lastUnread(conv)))")

            // 3. Receipts: the courier's phone got everything; the customer reads on the phone.
            #expect(try await courier.call(["type": "msg.delivered", "conversationId": conv, "seq": 7])["ok"] as? Bool == true)
            let read = try await phone.call(["type": "msg.read", "conversationId": conv, "seq": 7])
            #expect((read["data"] as? [String: Any])?["unread"] as? Int == 0, "\(read)")
            // The tablet clears too; the shop and the courier see the customer's read cursor.
            #expect(
                await tablet.wait { _ in tablet.lastUnread(conv) == 0 }, "tablet still shows \(String(describing: tablet.lastUnread(conv)))"
            )
            for d in [staff, courier] {
                #expect(
                    await d.wait { _ in
                        d.pushes("msg.receipt").contains {
                            ($0["data"] as? [String: Any])?["party"] as? String == "customer"
                                && ($0["data"] as? [String: Any])?["readSeq"] as? Int == 7
                        }
                    }, "\(d.name) never saw the customer's read")
            }
            #expect(
                await phone.wait { _ in
                    phone.pushes("msg.receipt").contains {
                        ($0["data"] as? [String: Any])?["party"] as? String == "courier"
                            && ($0["data"] as? [String: Any])?["deliveredSeq"] as? Int == 7
                    }
                })
            let customerView = await Self.conversation(shop, conv, token: shop.customer, lastSeq: 7)
            #expect(customerView?["unread"] as? Int == 0 && customerView?["readSeq"] as? Int == 7)
            #expect(Self.receipt(customerView, "courier")?.delivered == 7 && Self.receipt(customerView, "courier")?.read == 0)
            #expect(Self.receipt(customerView, "shop")?.read == 0)
            let staffView = await Self.conversation(shop, conv, token: shop.staff, lastSeq: 7)
            #expect(staffView?["unread"] as? Int == 3 && Self.receipt(staffView, "customer")?.read == 7)
            // Reading twice or backwards never moves the cursor back or makes anything negative.
            let back = try await phone.call(["type": "msg.read", "conversationId": conv, "seq": 2])
            #expect((back["data"] as? [String: Any])?["readSeq"] as? Int == 7 && (back["data"] as? [String: Any])?["unread"] as? Int == 0)
            #expect(try await staff.call(["type": "msg.read", "conversationId": conv, "seq": 7])["ok"] as? Bool == true)
            #expect(await Self.conversation(shop, conv, token: shop.staff, lastSeq: 7)?["unread"] as? Int == 0)

            // 4. Typing is pushed to the others; a recall empties the message for everyone.
            #expect(try await staff.call(["type": "typing", "conversationId": conv])["ok"] as? Bool == true)
            #expect(await phone.wait { _ in !phone.pushes("typing").isEmpty })
            let oops = try await phone.say(conv, "my PIN is 1234", id: "oops")
            let oopsSeq = try #require(((oops["data"] as? [String: Any])?["message"] as? [String: Any])?["seq"] as? Int)
            let denied = try await courier.call(["type": "msg.recall", "conversationId": conv, "seq": oopsSeq])
            #expect((denied["error"] as? [String: Any])?["code"] as? String == "forbidden")
            let recalled = try await phone.call(["type": "msg.recall", "conversationId": conv, "seq": oopsSeq])
            #expect(recalled["ok"] as? Bool == true && (recalled["data"] as? [String: Any])?["text"] == nil)
            #expect(await staff.wait { _ in !staff.pushes("msg.recalled").isEmpty })
            let listed = await Self.messages(shop, conv, token: shop.staff)
            let placeholder = listed.first { $0["seq"] as? Int == oopsSeq }
            #expect(placeholder?["recalledAt"] is String && placeholder?["text"] == nil)
            #expect(!String(decoding: try JSONSerialization.data(withJSONObject: listed), as: UTF8.self).contains("1234"))
            #expect(
                await Self.conversation(shop, conv, token: shop.staff, lastSeq: oopsSeq)?["unread"] as? Int == 0,
                "a recalled message is not unread")

            // 5. Burst, cut in the middle: the phone sends 200 and drops; a new connection resends them all.
            let tabletSync = await http.request("GET", "/v1/sync", token: shop.customer)
            var token = try #require(tabletSync.json["next"] as? String, "\(tabletSync.code)")
            await tablet.close()  // offline from here
            for i in 0..<200 {
                try await phone.post([
                    "type": "msg.send", "conversationId": conv, "clientMsgId": "burst-\(i)", "kind": "text", "text": "b\(i)",
                ])
                if i == 120 { break }
            }
            await phone.close()
            let phone2 = ChatClient(port: port, token: shop.customer, name: "phone2")
            #expect(await phone2.connected())
            var duplicates = 0
            for i in 0..<200 {
                let r = try await phone2.say(conv, "b\(i)", id: "burst-\(i)")
                #expect(r["ok"] as? Bool == true, "\(r)")
                if (r["data"] as? [String: Any])?["duplicate"] as? Bool == true { duplicates += 1 }
            }
            let all = await Self.messages(shop, conv, token: shop.customer)
            let burst = all.compactMap { $0["clientMsgId"] as? String }.filter { $0.hasPrefix("burst-") }
            #expect(burst.count == 200 && Set(burst).count == 200, "burst messages stored: \(burst.count), distinct \(Set(burst).count)")
            #expect(duplicates > 0, "some of the cut burst had been stored before the cut")
            #expect(all.map { $0["seq"] as? Int ?? 0 } == Array(1...all.count), "seqs are 1…n without holes")

            // 6. The offline tablet syncs: every message once, in seq order, and the recall.
            var synced: [[String: Any]] = []
            var rounds = 0
            while rounds < 50 {
                rounds += 1
                let page = await http.request("GET", "/v1/sync?since=\(token)&limit=50", token: shop.customer).json
                synced += page["changes"] as? [[String: Any]] ?? []
                token = page["next"] as? String ?? token
                if page["more"] as? Bool != true { break }
            }
            let syncedSeqs = synced.filter { $0["type"] as? String == "message" && $0["conversationId"] as? String == conv }
                .compactMap { ($0["message"] as? [String: Any])?["seq"] as? Int }
            #expect(syncedSeqs == Array((oopsSeq + 1)...all.count), "synced \(syncedSeqs.count) seqs, first \(syncedSeqs.first ?? -1)")
            let again = await http.request("GET", "/v1/sync?since=\(token)", token: shop.customer).json
            #expect((again["changes"] as? [Any])?.isEmpty == true, "a second sync from the new token is empty")
            let fromScratch = await http.request("GET", "/v1/sync", token: shop.customer).json
            let scratchSeqs = (fromScratch["changes"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "message" }
                .compactMap { ($0["message"] as? [String: Any])?["seq"] as? Int }
            #expect(scratchSeqs == Array(1...all.count), "a device with no token gets the whole history once, in order")

            // 7. Access and bad input.
            let stranger = shop.stranger
            for path in [
                "/v1/conversations/\(conv)", "/v1/conversations/\(conv)/messages", "/v1/conversations/m1-nothing",
                "/v1/conversations/garbage",
            ] {
                #expect(await http.request("GET", path, token: stranger).status == 404, "\(path)")
            }
            #expect(
                await http.json(
                    "POST", "/v1/conversations/\(conv)/messages", token: stranger,
                    ["clientMsgId": "x", "kind": "text", "text": "hi"]
                ).status == 404)
            #expect(await http.json("POST", "/v1/conversations/\(conv)/read", token: stranger, ["seq": 1]).status == 404)
            let otherCourier = try await Self.courierCall(shop, conv)
            #expect(otherCourier == 404, "a courier never assigned to the order")
            let signer = try suite.signer()
            let c2 = try signer.mint(sub: "c2", role: .customer, ttl: 900)
            let (order2, conv2) = try await Self.acceptedOrder(shop, customer: "c2")
            #expect(await Self.conversation(shop, conv2, token: c2, lastSeq: 3) != nil)
            #expect(await http.request("GET", "/v1/conversations/\(conv)", token: c2).status == 404, "another order's customer")
            let c2list = await http.request("GET", "/v1/conversations", token: c2).json["items"] as? [[String: Any]] ?? []
            #expect(c2list.map { $0["id"] as? String } == [conv2])
            // Reassigned: the courier who had accepted no longer finds the conversation.
            #expect(await http.json("POST", "/v1/orders/\(order2)/assign", token: shop.staff, ["courierId": "k2"]).status == 200)
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await http.request("GET", "/v1/conversations/\(conv2)", token: shop.courier).status == 404
                }, "an unassigned courier")
            let tooLong = await http.json(
                "POST", "/v1/conversations/\(conv)/messages", token: shop.customer,
                ["clientMsgId": "long", "kind": "text", "text": String(repeating: "花", count: 4001)])
            #expect(tooLong.code == "422 invalid_field")
            let sticker = await http.json(
                "POST", "/v1/conversations/\(conv)/messages", token: shop.customer,
                ["clientMsgId": "st", "kind": "sticker"])
            #expect(sticker.code == "422 invalid_field")
            let foreign = await http.upload(try MediaClient.fixture("photo.png"), type: "image/png", order: order2, token: shop.staff)
            let foreignId = try #require(foreign.json["id"] as? String)
            let wrongMedia = await http.json(
                "POST", "/v1/conversations/\(conv)/messages", token: shop.customer,
                ["clientMsgId": "wm", "kind": "image", "mediaId": foreignId])
            #expect(wrongMedia.code == "422 invalid_field", "a media id of another order")
            let beyond = await http.json("POST", "/v1/conversations/\(conv)/read", token: shop.customer, ["seq": all.count + 5])
            #expect(beyond.code == "422 invalid_field")
            let viaHTTP = await http.json(
                "POST", "/v1/conversations/\(conv)/messages", token: shop.customer,
                ["clientMsgId": "http-1", "kind": "text", "text": "over HTTP"])
            #expect(viaHTTP.status == 201)
            let viaHTTPAgain = await http.json(
                "POST", "/v1/conversations/\(conv)/messages", token: shop.customer,
                ["clientMsgId": "http-1", "kind": "text", "text": "over HTTP"])
            #expect(viaHTTPAgain.status == 200 && viaHTTPAgain.json["duplicate"] as? Bool == true)
            let badFrame = try await phone2.call([
                "type": "msg.send", "conversationId": conv, "clientMsgId": "", "kind": "text", "text": "x",
            ])
            #expect((badFrame["error"] as? [String: Any])?["code"] as? String == "invalid_field")

            // 8. The shop and a courier talk directly: one conversation per pair, only the two of them in it.
            let direct = await http.json("POST", "/v1/conversations", token: shop.staff, ["courierId": "k1"])
            #expect(direct.status == 200 && direct.json["kind"] as? String == "direct", "\(direct.code) \(direct.json)")
            let dm = try #require(direct.json["id"] as? String)
            let courierSide = await http.json("POST", "/v1/conversations", token: shop.courier)
            #expect(courierSide.json["id"] as? String == dm, "the courier opens the same conversation")
            let late = try await courier.say(dm, "Running 10 minutes late with the peonies", id: "dm-1")
            #expect(late["ok"] as? Bool == true, "\(late)")
            #expect(await staff.wait { _ in staff.seqs(dm) == [1] }, "staff got \(staff.seqs(dm))")
            #expect(staff.lastUnread(dm) == 1)
            for token in [shop.otherCourier, shop.customer, shop.otherStaff] {
                #expect(await http.request("GET", "/v1/conversations/\(dm)", token: token).status == 404)
            }
            #expect(await http.json("POST", "/v1/conversations", token: shop.staff, ["courierId": "k9"]).status == 404)
            #expect(await http.json("POST", "/v1/conversations", token: shop.customer).status == 403)
            let courierList = await http.request("GET", "/v1/conversations", token: shop.courier).json["items"] as? [[String: Any]] ?? []
            #expect(courierList.contains { $0["id"] as? String == dm && $0["unread"] as? Int == 0 })

            for d in [phone2, staff, courier] { await d.close() }
            #expect(await suite.stop())
        }

        /// GET of the conversation with a courier token of the shop who was never assigned.
        static func courierCall(_ shop: Shop, _ conv: String) async throws -> Int {
            await shop.http.request("GET", "/v1/conversations/\(conv)", token: shop.otherCourier).status
        }
    }
}
