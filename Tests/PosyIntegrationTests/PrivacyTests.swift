import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// Erasure on request (docs/architecture.md, "Privacy"): a customer forgotten in every store's
    /// bytes while the order keeps its facts and its evidence chain still verifies.
    @Suite(.serialized) struct PrivacyTests {
        /// The person's strings, each distinctive enough that finding it anywhere means it was kept.
        static let customerName = "Xiaolan Meiyu"
        static let customerPhone = "+86 139 1234 5678"
        static let recipientName = "Zhou Yuehua"
        static let recipientPhone = "+86 137 8765 4321"
        static let address = "Xinhua Road 88, Room 1203"
        static let card = "Happy birthday Mama, love Xiaolan"
        static let secrets = [customerName, customerPhone, recipientName, recipientPhone, address, card, "13912345678", "13787654321"]

        /// A completed order of `customer` with every personal thing a delivery gathers: the order's
        /// names, phones, address and card, chat naming the phone, a voice note, a door photo, a
        /// proof naming the recipient, the customer's confirmation. Returns the order's id.
        static func story(_ shop: ReceiptsAPITests.Shop, customer: String, customerToken: String) async throws -> String {
            let http = shop.http
            let fmt = ISO8601DateFormatter()
            let created = await http.json(
                "POST", "/v1/orders", token: shop.staff,
                [
                    "shopId": "s1", "customer": ["id": customer, "name": customerName, "phone": customerPhone],
                    "recipient": ["name": recipientName, "phone": recipientPhone, "address": address, "lat": 31.2304, "lon": 121.4737],
                    "sender": ["name": customerName, "phone": customerPhone, "anonymous": true],
                    "cardMessage": card, "notes": "Call \(recipientName) before",
                    "items": [["name": "carnations", "quantity": 12]],
                    "window": [
                        "start": fmt.string(from: Date().addingTimeInterval(-600)),
                        "end": fmt.string(from: Date().addingTimeInterval(3600)),
                    ],
                ])
            let id = try #require(created.json["id"] as? String, "\(created.code) \(created.json)")
            let conversation = try #require(created.json["conversationId"] as? String)
            #expect(await http.json("POST", "/v1/orders/\(id)/confirm", token: shop.staff).status == 200)
            #expect(await http.json("POST", "/v1/orders/\(id)/assign", token: shop.staff, ["courierId": "k1"]).status == 200)
            for action in ["accept", "pickup", "depart"] {
                #expect(await http.json("POST", "/v1/orders/\(id)/\(action)", token: shop.courier).status == 200)
            }
            let said = await http.json(
                "POST", "/v1/conversations/\(conversation)/messages", token: customerToken,
                ["clientMsgId": "c-1", "kind": "text", "text": "Please call me on 13912345678 at the gate"])
            #expect(said.status == 201, "\(said.code) \(said.json)")
            let answered = await http.json(
                "POST", "/v1/conversations/\(conversation)/messages", token: shop.courier,
                ["clientMsgId": "k-1", "kind": "text", "text": "\(recipientName) is not answering at \(address)"])
            #expect(answered.status == 201, "\(answered.code) \(answered.json)")
            let voice = await http.upload(try MediaClient.fixture("voice.opus"), type: "audio/ogg", order: id, token: customerToken)
            let voiceId = try #require(voice.json["id"] as? String, "\(voice.code) \(voice.json)")
            let note = await http.json(
                "POST", "/v1/conversations/\(conversation)/messages", token: customerToken,
                ["clientMsgId": "c-2", "kind": "voice", "mediaId": voiceId, "durationMs": 100])
            #expect(note.status == 201, "\(note.code) \(note.json)")
            let photo = await http.upload(try MediaClient.fixture("photo.jpg"), type: "image/jpeg", order: id, token: shop.courier)
            let photoId = try #require(photo.json["id"] as? String, "\(photo.code)")
            let proof = await http.json(
                "POST", "/v1/orders/\(id)/proof", token: shop.courier,
                [
                    "photoIds": [photoId], "lat": 31.2305, "lon": 121.4738, "accuracy": 5, "handedTo": ["kind": "recipient"],
                    "recipientName": recipientName, "note": "Handed over at \(address)",
                ])
            #expect(proof.status == 201, "\(proof.code) \(proof.json)")
            #expect(await shop.waitState(id, "delivered"))
            let confirmed = await http.json(
                "POST", "/v1/orders/\(id)/confirmation", token: customerToken, ["ok": true, "note": "Thanks, my phone is 13912345678"])
            #expect(confirmed.status == 201, "\(confirmed.code) \(confirmed.json)")
            #expect(await shop.waitState(id, "completed"))
            return id
        }

        /// Every file under `dir` that holds one of `strings`, with the first it holds.
        static func filesHolding(_ strings: [String], under dir: String) -> [String] {
            var found: [String] = []
            let needles = strings.map { Data($0.utf8) }
            guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
            while let name = walker.nextObject() as? String {
                let path = "\(dir)/\(name)"
                guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { continue }
                if let hit = zip(strings, needles).first(where: { data.range(of: $0.1) != nil }) { found.append("\(name): \(hit.0)") }
            }
            return found
        }

        static func erasure(_ http: MediaClient, _ id: String, token: String) async -> [String: Any] {
            await http.request("GET", "/v1/privacy/erasures/\(id)", token: token).json
        }

        @Test(.timeLimit(.minutes(4)))
        func anErasedCustomerIsGoneFromEveryByteWhileTheOrderAndItsEvidenceRemain() async throws {
            let suite = try SuiteTests.Suite("privacy-erase")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http
            let customerToken = try suite.signer().mint(sub: "cx-erase", role: .customer, ttl: 900)
            #expect(await http.json("POST", "/v1/couriers/k1/duty", token: shop.courier, ["onDuty": true]).status == 200)
            let id = try await Self.story(shop, customer: "cx-erase", customerToken: customerToken)
            // Another customer's order, which must keep every byte.
            let kept = await shop.placeOrder(["notes": "Keep this: Lotus Lane 7"])
            let keptId = try #require(kept.json["id"] as? String)
            #expect(!Self.filesHolding(Self.secrets, under: "\(suite.dir)/data").isEmpty, "the story left nothing to erase")

            // Access first: everything held about the person, in one document with their media.
            let export = await http.request("GET", "/v1/privacy/export?customerId=cx-erase", token: shop.admin)
            #expect(export.status == 200, "\(export.code) \(export.json)")
            #expect(export.header("Content-Disposition")?.hasPrefix("attachment") == true)
            let exported = String(decoding: export.body, as: UTF8.self)
            for s in [Self.customerName, Self.recipientName, Self.address, Self.card, "Please call me on 13912345678"] {
                #expect(exported.contains(s), "the export lacks \(s)")
            }
            #expect((export.json["orders"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            #expect((export.json["unavailable"] as? [String: Any])?.isEmpty == true, "\(export.json["unavailable"] ?? "-")")
            let parts = try #require(export.json["parts"] as? [String: Any])
            #expect(Set(parts.keys) == ["location", "notify", "receipts", "messaging-1", "messaging-2"])
            let photoBytes = try MediaClient.fixture("photo.jpg")
            let media = (export.json["media"] as? [[String: Any]]) ?? []
            #expect(media.count == 2 && media.contains { $0["base64"] as? String == photoBytes.base64EncodedString() }, "\(media.count)")
            #expect(
                await http.request("GET", "/v1/privacy/export?customerId=cx-erase&shopId=s1", token: shop.staff).code == "403 forbidden")
            #expect(await http.request("GET", "/v1/privacy/export?customerId=nobody", token: shop.admin).code == "404 not_found")
            #expect(await http.request("GET", "/v1/privacy/export", token: shop.admin).code == "422 invalid_field")

            let asked = await http.json("POST", "/v1/privacy/erasures", token: shop.admin, ["customerId": "cx-erase"])
            #expect(asked.status == 202, "\(asked.code) \(asked.json)")
            #expect(asked.header("Location")?.hasPrefix("/v1/privacy/erasures/") == true)
            let erasureId = try #require(asked.json["id"] as? String)
            #expect(asked.json["orders"] as? [String] == [id] && asked.json["subject"] as? String == "customerId")
            let finished = await Harness.waitFor(.seconds(30)) {
                await Self.erasure(http, erasureId, token: shop.admin)["state"] as? String == "done"
            }
            let done = await Self.erasure(http, erasureId, token: shop.admin)
            #expect(finished, "the erasure never finished: \(done)")
            let steps = try #require(done["steps"] as? [[String: Any]])
            #expect(
                Set(steps.compactMap { $0["instance"] as? String })
                    == ["orders", "location", "notify", "receipts", "messaging-1", "messaging-2"], "\(steps)")
            let receiptsStep = try #require(steps.first { $0["instance"] as? String == "receipts" })
            #expect((receiptsStep["counts"] as? [String: Int])?["media"] == 2, "\(receiptsStep)")

            // Not one byte of the person in any file of the data directory, nor in the suite's log.
            let leftovers = Self.filesHolding(Self.secrets, under: "\(suite.dir)/data")
            #expect(leftovers.isEmpty, "personal data left: \(leftovers)")
            let logged = Self.secrets.filter { suite.up.log.contains($0) }
            #expect(logged.isEmpty, "personal data in the log: \(logged)")
            // The other customer's order is untouched.
            #expect(!Self.filesHolding(["Lotus Lane 7"], under: "\(suite.dir)/data").isEmpty)
            #expect(
                await http.request("GET", "/v1/orders/\(keptId)", token: shop.staff).json["notes"] as? String == "Keep this: Lotus Lane 7")

            // An export now holds none of it either.
            let after = String(
                decoding: await http.request("GET", "/v1/privacy/export?customerId=cx-erase", token: shop.admin).body, as: UTF8.self)
            #expect(Self.secrets.allSatisfy { !after.contains($0) }, "\(after.prefix(2000))")

            // The order keeps its facts, marked erased; its media are gone.
            let order = await http.request("GET", "/v1/orders/\(id)", token: shop.staff)
            #expect(order.status == 200 && order.json["state"] as? String == "completed", "\(order.json)")
            #expect((order.json["erasure"] as? [String: Any])?["requestId"] as? String == erasureId, "\(order.json)")
            #expect((order.json["items"] as? [[String: Any]])?.first?["name"] as? String == "carnations")
            #expect(order.json["cardMessage"] == nil && (order.json["recipient"] as? [String: Any])?["address"] == nil)
            let evidence = await http.request("GET", "/v1/orders/\(id)/evidence", token: shop.staff)
            #expect(evidence.status == 200, "\(evidence.code)")
            for media in (evidence.json["media"] as? [[String: Any]]) ?? [] {
                let mediaId = try #require(media["id"] as? String)
                #expect(await http.request("GET", "/v1/media/\(mediaId)", token: shop.staff).code == "410 gone")
            }
            let chain = try #require(evidence.json["chain"] as? [String: Any])
            #expect(chain["ok"] as? Bool == true, "\(chain)")
            let erased = (chain["erased"] as? [[String: Any]]) ?? []
            #expect(erased.contains { $0["field"] as? String == "/recipientName" && $0["requestId"] as? String == erasureId }, "\(chain)")
            #expect((evidence.json["proofs"] as? [[String: Any]])?.first?["recipientName"] == nil)

            // The chain proves what remains, naming what was erased — never "tampered".
            let (code, out) = try await Harness.run("posy", ["evidence", "verify", id] + suite.busArgs)
            #expect(code == 0 && out.contains("verified") && out.contains("/recipientName erased at"), "\(out)")
            let (offline, offlineOut) = try await Harness.run(
                "posy", ["evidence", "verify", id, "--db", "\(suite.dir)/data/receipts.db", "--data-dir", "\(suite.dir)/data"])
            #expect(offline == 0 && offlineOut.contains("erased"), "\(offlineOut)")
            let page = await http.request("GET", "/v1/orders/\(id)/evidence.html", token: shop.staff)
            #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("Erased on"), "\(page.code)")
        }

        @Test(.timeLimit(.minutes(4)))
        func erasureRequestsAreCheckedAndAnInterruptedOneFinishesAfterRestart() async throws {
            let suite = try SuiteTests.Suite("privacy-requests")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http
            let signer = try suite.signer()
            let (invited, out) = try await Harness.run(
                "posy", ["invite", "--role", "manager", "--shop", "s1", "--name", "Li Na", "--json"] + suite.busArgs)
            #expect(invited == 0, "\(out)")
            let link = try #require(Harness.report(out)?["link"] as? String)
            let session = await http.json("POST", "/v1/session", token: nil, ["code": String(link.split(separator: "#")[1])])
            let manager = try #require(session.json["accessToken"] as? String, "\(session.code) \(session.json)")
            #expect(
                await http.json(
                    "POST", "/v1/shops", token: shop.admin,
                    ["id": "s2", "name": "Rose", "address": "Nanjing Road", "lat": 31.23, "lon": 121.47, "timeZone": "Asia/Shanghai"]
                ).status == 201)
            let fmt = ISO8601DateFormatter()
            let window = ["start": fmt.string(from: Date()), "end": fmt.string(from: Date().addingTimeInterval(3600))]
            let other = await http.json(
                "POST", "/v1/orders", token: shop.otherStaff,
                [
                    "shopId": "s2", "customer": ["id": "cx-other", "name": "Other"],
                    "recipient": ["name": "R", "address": "A", "lat": 31.2, "lon": 121.4],
                    "items": [["name": "roses", "quantity": 1]], "window": window,
                ])
            #expect(other.status == 201, "\(other.code) \(other.json)")
            let open = await shop.placeOrder(["customer": ["id": "cx-open", "name": "Open"]])
            #expect(open.status == 201)

            // Bad input and the wrong people, each refused by name.
            func erase(_ body: [String: Any], _ token: String) async -> String {
                await http.json("POST", "/v1/privacy/erasures", token: token, body).code
            }
            #expect(await erase([:], shop.admin) == "422 invalid_field")
            #expect(await erase(["customerId": "cx-other", "phone": "+86 139 1234 5678"], shop.admin) == "422 invalid_field")
            #expect(await erase(["phone": "call me"], shop.admin) == "422 invalid_field")
            #expect(await erase(["customerId": "nobody"], shop.admin) == "404 not_found")
            #expect(await erase(["customerId": "cx-other"], manager) == "422 invalid_field", "a manager names their shop")
            #expect(await erase(["customerId": "cx-other", "shopId": "s2"], manager) == "403 forbidden")
            #expect(await erase(["customerId": "cx-other", "shopId": "s1"], manager) == "404 not_found")
            #expect(await erase(["customerId": "cx-open", "shopId": "s1"], shop.staff) == "403 forbidden", "staff are not managers")
            #expect(
                await erase(["customerId": "cx-open", "shopId": "s1"], try signer.mint(sub: "cx-open", role: .customer, ttl: 60))
                    == "403 forbidden")
            #expect(await erase(["customerId": "cx-open", "shopId": "s1"], manager) == "409 conflict", "an open order is not erased")
            #expect(await http.request("GET", "/v1/privacy/erasures/er-none", token: shop.admin).code == "404 not_found")

            // A shop's own retention, within the table's bounds; the table as the deployment's settings make it.
            #expect(await http.json("PUT", "/v1/shops/s1/retention", token: manager, ["contactDays": 0]).code == "422 invalid_field")
            #expect(await http.json("PUT", "/v1/shops/s1/retention", token: shop.staff, ["contactDays": 14]).code == "403 forbidden")
            let set = await http.json("PUT", "/v1/shops/s1/retention", token: manager, ["contactDays": 14, "chatDays": 30])
            #expect(set.status == 200 && (set.json["retention"] as? [String: Any])?["contactDays"] as? Int == 14, "\(set.json)")
            #expect(
                (await http.request("GET", "/v1/shops/s1", token: shop.staff).json["retention"] as? [String: Any])?["chatDays"] as? Int
                    == 30)
            let (tabled, table) = try await Harness.run(
                path: "env",
                ["POSY_CHAT_RETENTION_DAYS=60", (Harness.binDir as NSString).appendingPathComponent("posy"), "privacy", "retention"])
            #expect(tabled == 0, "\(table)")
            let chatRow = table.split(separator: "\n").first { $0.hasPrefix("chat") }.map(String.init) ?? ""
            #expect(chatRow.contains("60 d") && chatRow.contains("POSY_CHAT_RETENTION_DAYS") && chatRow.contains("7–365 d"), "\(table)")
            #expect(table.contains("positions") && table.contains("30 d") && table.contains("off duty"), "\(table)")

            // Without a masked-number provider the app calls the recipient's own number.
            #expect(
                await http.json("POST", "/v1/orders/\(open.json["id"] as? String ?? "")/call-number", token: shop.courier).code
                    == "409 conflict")

            // posy-notify stops in the middle: the erasure waits for it and finishes once it is back.
            let customerToken = try signer.mint(sub: "cx-crash", role: .customer, ttl: 900)
            #expect(await http.json("POST", "/v1/couriers/k1/duty", token: shop.courier, ["onDuty": true]).status == 200)
            let id = try await Self.story(shop, customer: "cx-crash", customerToken: customerToken)
            let notifyPid = try #require(suite.row(await suite.health().1, "notify")?["pid"] as? Int)
            kill(pid_t(notifyPid), SIGSTOP)
            let asked = await http.json("POST", "/v1/privacy/erasures", token: manager, ["phone": "+8613912345678", "shopId": "s1"])
            #expect(asked.status == 202, "\(asked.code) \(asked.json)")
            let erasureId = try #require(asked.json["id"] as? String)
            #expect(asked.json["orders"] as? [String] == [id] && asked.json["subject"] as? String == "phone")
            func pending() async -> [String] {
                let steps = (await Self.erasure(http, erasureId, token: manager)["steps"] as? [[String: Any]]) ?? []
                return steps.filter { $0["done"] as? Bool != true }.compactMap { $0["instance"] as? String }
            }
            let waited = await Harness.waitFor(.seconds(20)) { await pending() == ["notify"] }
            let stillPending = await pending()
            #expect(waited, "still pending: \(stillPending)")
            #expect(await Self.erasure(http, erasureId, token: manager)["state"] as? String == "running")
            kill(pid_t(notifyPid), SIGKILL)
            let restarted = await Harness.waitFor(.seconds(30)) {
                let pid = suite.row(await suite.health().1, "notify")?["pid"] as? Int
                return pid != nil && pid != notifyPid
            }
            #expect(restarted, "posy up did not restart posy-notify")
            let finished = await Harness.waitFor(.seconds(30)) {
                await Self.erasure(http, erasureId, token: manager)["state"] as? String == "done"
            }
            let notDone = await pending()
            #expect(finished, "still pending: \(notDone)")
            let leftovers = Self.filesHolding(Self.secrets, under: "\(suite.dir)/data")
            #expect(leftovers.isEmpty, "personal data left: \(leftovers)")
            // A courier who left: their track and phone go, once they are off duty.
            let phone = "+86 131 5555 0003"
            #expect(
                await http.json(
                    "POST", "/v1/shops/s1/couriers", token: shop.admin, ["id": "k3", "name": "Zhao Lei", "phone": phone, "vehicle": "bike"]
                ).status == 201)
            let k3 = try signer.mint(sub: "k3", role: .courier, shop: "s1", ttl: 900)
            let fix = ["lat": 52.52, "lon": 13.41, "accuracy": 5, "at": ISO8601DateFormatter().string(from: Date())] as [String: Any]
            #expect(await http.json("POST", "/v1/locations", token: k3, ["positions": [fix]]).status == 200)
            #expect(await erase(["courierId": "k3", "shopId": "s1"], manager) == "409 conflict", "on duty")
            #expect(await http.json("POST", "/v1/couriers/k3/duty", token: k3, ["onDuty": false]).status == 200)
            #expect(await erase(["courierId": "k3"], shop.admin) == "422 invalid_field", "a courier is one shop's")
            #expect(await erase(["courierId": "k9", "shopId": "s1"], manager) == "404 not_found")
            let left = await http.json("POST", "/v1/privacy/erasures", token: manager, ["courierId": "k3", "shopId": "s1"])
            #expect(left.status == 202 && left.json["subject"] as? String == "courierId", "\(left.code) \(left.json)")
            let courierErasure = try #require(left.json["id"] as? String)
            let courierDone = await Harness.waitFor(.seconds(30)) {
                await Self.erasure(http, courierErasure, token: manager)["state"] as? String == "done"
            }
            #expect(courierDone)
            let listed = await http.request("GET", "/v1/shops/s1/couriers", token: shop.staff).body
            let couriers = (try? JSONSerialization.jsonObject(with: listed)) as? [[String: Any]] ?? []
            #expect(couriers.first { $0["id"] as? String == "k3" }?["phone"] as? String == "")
            let track = try Harness.query("\(suite.dir)/data/location.db", "SELECT count(*) FROM positions WHERE courier_id = 'k3'")
            #expect(track.first?.int(0) == 0)
            let courierLeft = Self.filesHolding([phone, "13155550003"], under: "\(suite.dir)/data")
            #expect(courierLeft.isEmpty, "the courier's phone left: \(courierLeft)")

            // Only those who may request it read it.
            #expect(await http.request("GET", "/v1/privacy/erasures/\(erasureId)", token: shop.otherStaff).code == "404 not_found")
            #expect(await http.request("GET", "/v1/privacy/erasures/\(erasureId)", token: shop.staff).code == "404 not_found")
            #expect(await http.request("GET", "/v1/privacy/erasures/\(erasureId)", token: shop.admin).status == 200)
        }

        @Test(.timeLimit(.minutes(4)))
        func aCourierCallsThroughAMaskedNumberAndNeverSeesTheRecipients() async throws {
            let sinks = try FaultIntegration.NotifyTests.Sinks()
            #expect(await sinks.ready())
            let suite = try SuiteTests.Suite(
                "privacy-masked", environment: ["POSY_MASKED_CALL_URL": "\(sinks.base)/masked", "POSY_MAP_TILES": ""])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http
            #expect(
                await http.json("PUT", "/v1/shops/s1/notify-settings", token: shop.staff, ["maskedCallHours": 200]).code
                    == "422 invalid_field")
            #expect(await http.json("PUT", "/v1/shops/s1/notify-settings", token: shop.staff, ["maskedCallHours": 2]).status == 200)
            let id = try await shop.orderOutForDelivery()

            // The courier's view never holds the recipient's number; the shop's does.
            let seen = await http.request("GET", "/v1/orders/\(id)", token: shop.courier).json
            #expect(seen["maskedCalls"] as? Bool == true && (seen["recipient"] as? [String: Any])?["phone"] == nil, "\(seen)")
            #expect(
                (await http.request("GET", "/v1/orders/\(id)", token: shop.staff).json["recipient"] as? [String: Any])?["phone"] as? String
                    == "+49 30 1")

            // In the app (Chromium, Tests/python/courier_masked_call.py): no trace of the number, and
            // Call dials the one the provider binds.
            let invite = await http.json(
                "POST", "/v1/shops/s1/invites", token: shop.admin, ["role": "courier", "name": "Kai", "courierId": "k1"])
            let config: [String: Any] = [
                "base": "http://127.0.0.1:\(suite.httpPort)", "courier_link": try #require(invite.json["link"] as? String),
                "order_id": id, "recipient_phone": "+49 30 1", "masked_number": "+86 170 0000 0001",
                "screenshots": Harness.packageRoot.appendingPathComponent(".build/screenshots/courier").path,
            ]
            let (passed, report) = try await suite.runScript("courier_masked_call.py", config: config, timeout: .seconds(90))
            #expect(passed, "\(report)")

            // Call: the provider binds the two phones behind its own number, once while it lasts.
            let call = await http.json("POST", "/v1/orders/\(id)/call-number", token: shop.courier)
            #expect(call.status == 200 && call.json["number"] as? String == "+86 170 0000 0001", "\(call.code) \(call.json)")
            #expect(
                await http.json("POST", "/v1/orders/\(id)/call-number", token: shop.courier).json["number"] as? String
                    == "+86 170 0000 0001")
            let bound = await sinks.log("masked")
            let binding = try #require(bound.first?["body"] as? [String: Any])
            #expect(bound.count == 1 && binding["a"] as? String == "+49 1" && binding["b"] as? String == "+49 30 1", "\(bound)")
            #expect(binding["reference"] as? String == id)
            #expect(await http.json("POST", "/v1/orders/\(id)/call-number", token: shop.otherCourier).code == "404 not_found")
            #expect(await http.json("POST", "/v1/orders/\(id)/call-number", token: shop.staff).code == "403 forbidden")
            #expect(await http.json("POST", "/v1/orders/o-none/call-number", token: shop.courier).code == "404 not_found")

            // The order closes: the binding ends the shop's two hours later, and no new one is made.
            let photo = await http.upload(try MediaClient.fixture("photo.jpg"), type: "image/jpeg", order: id, token: shop.courier)
            let photoId = try #require(photo.json["id"] as? String)
            #expect(
                await http.json(
                    "POST", "/v1/orders/\(id)/proof", token: shop.courier,
                    ["photoIds": [photoId], "lat": 52.5208, "lon": 13.4095, "accuracy": 5, "handedTo": ["kind": "recipient"]]
                ).status == 201)
            #expect(await shop.waitState(id, "delivered"))
            #expect(await http.json("POST", "/v1/orders/\(id)/confirmation", token: shop.customer, ["ok": true]).status == 201)
            #expect(await shop.waitState(id, "completed"))
            let closedAt = Date()
            let told = await Harness.waitFor(.seconds(10)) { !(await sinks.log("masked-close")).isEmpty }
            let close = await sinks.log("masked-close")
            #expect(told && close.first?["id"] as? String == "bind-1", "\(close)")
            let stamp = ISO8601DateFormatter()
            stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let expiry = ((close.first?["body"] as? [String: Any])?["expiresAt"] as? String).flatMap { stamp.date(from: $0) }
            #expect(expiry.map { abs($0.timeIntervalSince(closedAt) - 7200) < 120 } == true, "\(close)")
            #expect(await http.json("POST", "/v1/orders/\(id)/call-number", token: shop.courier).code == "404 not_found")
        }
    }
}
