import Foundation
import PosyAuth
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// Proof of delivery, the customer's answer and the evidence record through the real gateway,
    /// `posy-receipts` and `posy-orders`: the two endings of the seed's story.
    @Suite(.serialized) struct ReceiptsAPITests {
        /// A shop with a courier and orders taken out for delivery, as the dashboard and the phone do it.
        struct Shop {
            let suite: SuiteTests.Suite
            let http: MediaClient
            let admin, staff, otherStaff, courier, otherCourier, customer, stranger: String

            init(_ suite: SuiteTests.Suite) async throws {
                self.suite = suite
                http = MediaClient(base: "http://127.0.0.1:\(suite.httpPort)")
                let s = try suite.signer()
                admin = try s.mint(sub: "a1", role: .admin, ttl: 900)
                staff = try s.mint(sub: "st1", role: .staff, shop: "s1", ttl: 900)
                otherStaff = try s.mint(sub: "st2", role: .staff, shop: "s2", ttl: 900)
                courier = try s.mint(sub: "k1", role: .courier, shop: "s1", ttl: 900)
                otherCourier = try s.mint(sub: "k2", role: .courier, shop: "s1", ttl: 900)
                customer = try s.mint(sub: "c1", role: .customer, ttl: 900)
                stranger = try s.mint(sub: "c9", role: .customer, ttl: 900)
                #expect(
                    await http.json(
                        "POST", "/v1/shops", token: admin,
                        [
                            "id": "s1", "name": "Lily's", "address": "Alexanderplatz",
                            "lat": 52.5219, "lon": 13.4132, "timeZone": "Europe/Berlin",
                        ]
                    ).status == 201)
                for (id, name) in [("k1", "Jonas Weber"), ("k2", "Ada Brandt")] {
                    #expect(
                        await http.json(
                            "POST", "/v1/shops/s1/couriers", token: admin, ["id": id, "name": name, "phone": "+49 1", "vehicle": "bike"]
                        ).status == 201)
                }
            }

            /// An order of customer c1 for Mother at Karl-Marx-Allee 1, its window starting in an hour,
            /// with `extra` fields; the API's reply.
            func placeOrder(_ extra: [String: Any] = [:]) async -> MediaClient.Reply {
                let fmt = ISO8601DateFormatter()
                let order: [String: Any] = [
                    "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                    "recipient": [
                        "name": "Mother", "phone": "+49 30 1234", "address": "Karl-Marx-Allee 1", "lat": 52.5208, "lon": 13.4095,
                    ],
                    "items": [["name": "carnations", "quantity": 12]],
                    "window": [
                        "start": fmt.string(from: Date().addingTimeInterval(3600)),
                        "end": fmt.string(from: Date().addingTimeInterval(7200)),
                    ],
                ]
                return await http.json("POST", "/v1/orders", token: staff, order.merging(extra) { $1 })
            }

            /// An order for Mother, assigned to k1 and out for delivery; returns its id.
            func orderOutForDelivery(noDoorstep: Bool = false, windowEnd: Date = Date().addingTimeInterval(3600)) async throws -> String {
                let fmt = ISO8601DateFormatter()
                let created = await http.json(
                    "POST", "/v1/orders", token: staff,
                    [
                        "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                        "recipient": [
                            "name": "Mother", "phone": "+49 30 1", "address": "Karl-Marx-Allee 1", "lat": 52.5208, "lon": 13.4095,
                        ],
                        "items": [["name": "carnations", "quantity": 12]], "handling": ["noDoorstep": noDoorstep],
                        "window": ["start": fmt.string(from: windowEnd.addingTimeInterval(-7200)), "end": fmt.string(from: windowEnd)],
                    ])
                let id = try #require(created.json["id"] as? String, "\(created.code) \(created.json)")
                #expect(await http.json("POST", "/v1/orders/\(id)/confirm", token: staff).status == 200)
                #expect(await http.json("POST", "/v1/orders/\(id)/assign", token: staff, ["courierId": "k1"]).status == 200)
                for action in ["accept", "pickup", "depart"] {
                    #expect(await http.json("POST", "/v1/orders/\(id)/\(action)", token: courier).status == 200)
                }
                return id
            }

            func state(_ id: String) async -> String? {
                await http.request("GET", "/v1/orders/\(id)", token: staff).json["state"] as? String
            }

            func waitState(_ id: String, _ state: String, timeout: Duration = .seconds(10)) async -> Bool {
                await Harness.waitFor(timeout, poll: .milliseconds(100)) { await self.state(id) == state }
            }
        }

        @Test(.timeLimit(.minutes(4)))
        func bothEndingsOfTheStoryWithPhotosConfirmationDisputeAndEvidence() async throws {
            let suite = try SuiteTests.Suite("receipts-story")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await Shop(suite)
            let http = shop.http
            let photo = try MediaClient.fixture("photo.jpg")
            let customerStream = StreamClient(port: suite.httpPort, token: shop.customer)
            let staffStream = StreamClient(port: suite.httpPort, token: shop.staff)
            let courierStream = StreamClient(port: suite.httpPort, token: shop.courier)
            #expect(await customerStream.wait { !$0.messages.isEmpty })
            #expect(await staffStream.wait { !$0.messages.isEmpty })

            // Ending one: the courier photographs the flowers handed to the neighbour.
            let id = try await shop.orderOutForDelivery()
            let uploaded = await http.upload(photo, type: "image/jpeg", order: id, token: shop.courier)
            #expect(uploaded.status == 201, "\(uploaded.code) \(uploaded.json)")
            let mediaId = try #require(uploaded.json["id"] as? String)
            #expect(uploaded.json["sha256"] as? String == Self.sha256(photo))
            #expect(uploaded.json["kind"] as? String == "image" && uploaded.json["size"] as? Int == photo.count)
            #expect((uploaded.json["photo"] as? [String: Any])?["capturedAt"] as? String == "2026-05-10T11:42:07")
            // Served so that, opened as a page, it runs nothing and is taken for nothing else.
            let served = await http.request("GET", "/v1/media/\(mediaId)", token: shop.staff)
            #expect(served.status == 200 && served.body == photo)
            #expect(
                served.header("Content-Security-Policy") == "default-src 'none'; sandbox"
                    && served.header("X-Content-Type-Options") == "nosniff")
            // A page behind the photo's end is not kept; a page in its metadata refuses the upload.
            let polyglot = Data(
                "<!DOCTYPE html><html><body><meta http-equiv=refresh content=0;url=https://evil.example></body></html>".utf8)
            let behind = await http.upload(photo + polyglot, type: "image/jpeg", order: id, token: shop.courier)
            #expect(
                behind.status == 201 && behind.json["sha256"] as? String == Self.sha256(photo)
                    && behind.json["size"] as? Int == photo.count, "\(behind.json)")
            let comment = Data([0xFF, 0xFE, UInt8((polyglot.count + 2) >> 8), UInt8((polyglot.count + 2) & 0xFF)]) + polyglot
            let inside = await http.upload(
                photo.prefix(2) + comment + photo.dropFirst(2), type: "image/jpeg", order: id, token: shop.courier)
            #expect(inside.code == "415 unsupported_media_type", "\(inside.json)")
            // A video call's relay is for the order's parties while it is on its way (no relay here: no servers, still 200).
            #expect(await http.request("GET", "/v1/calls/turn?orderId=\(id)", token: shop.courier).status == 200)
            #expect(await http.request("GET", "/v1/calls/turn?orderId=\(id)", token: shop.stranger).code == "404 not_found")
            #expect(await http.request("GET", "/v1/calls/turn?orderId=\(id)", token: shop.admin).code == "403 forbidden")
            // A fix dated before the courier had this order would become its evidence: refused.
            #expect(await http.json("POST", "/v1/couriers/k1/duty", token: shop.courier, ["onDuty": true]).status == 200)
            let before = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            let backdated = await http.json(
                "POST", "/v1/locations", token: shop.courier,
                ["positions": [["lat": 52.5208, "lon": 13.4095, "accuracy": 5, "at": before]]])
            #expect(
                backdated.code == "422 invalid_field" && (backdated.json["message"] as? String)?.contains("beforeAssignment") == true,
                "\(backdated.json)")
            // Nobody outside the order may attach media to it.
            #expect(await http.upload(photo, type: "image/jpeg", order: id, token: shop.stranger).code == "404 not_found")
            #expect(await http.upload(photo, type: "image/jpeg", order: id, token: shop.otherCourier).code == "404 not_found")

            let proofInput: [String: Any] = [
                "photoIds": [mediaId], "lat": 52.52085, "lon": 13.40955, "accuracy": 6,
                "handedTo": ["kind": "neighbour", "name": "Mrs Schulz, 2nd floor"],
                "recipientName": "Mrs Schulz", "note": "Mother is at the market",
            ]
            #expect(await http.json("POST", "/v1/orders/\(id)/proof", token: shop.otherCourier, proofInput).code == "404 not_found")
            #expect(await http.json("POST", "/v1/orders/\(id)/proof", token: shop.staff, proofInput).code == "403 forbidden")
            var noName = proofInput
            noName["handedTo"] = ["kind": "neighbour"]
            #expect(await http.json("POST", "/v1/orders/\(id)/proof", token: shop.courier, noName).code == "422 invalid_field")
            var noPhoto = proofInput
            noPhoto["photoIds"] = [String]()
            #expect(await http.json("POST", "/v1/orders/\(id)/proof", token: shop.courier, noPhoto).code == "422 invalid_field")
            let proof = await http.json("POST", "/v1/orders/\(id)/proof", token: shop.courier, proofInput)
            #expect(proof.status == 201, "\(proof.code) \(proof.json)")
            let checks = try #require(proof.json["checks"] as? [String: Any])
            #expect(checks["farFromAddress"] as? Bool == false && checks["late"] as? Bool == false)
            #expect(
                ((checks["photos"] as? [[String: Any]])?.first?["flags"] as? [String])?.contains("takenLongBefore") == true,
                "the fixture was taken on 2026-05-10: \(checks)")
            // A second proof: 409 (conflict while orders has not applied the first, invalid_transition after).
            #expect(await http.json("POST", "/v1/orders/\(id)/proof", token: shop.courier, proofInput).status == 409)
            #expect(await shop.waitState(id, "delivered"), "order never became delivered")

            // The customer's stream shows the proof with its photo (without the shop's checks), and the photo opens.
            let pushed = try #require(
                await customerStream.waitForEvent("proof.accepted", order: id), "\(customerStream.frames.value.suffix(3))")
            let pushedProof = try #require(pushed["data"] as? [String: Any])
            #expect(pushedProof["checks"] == nil && pushedProof["lat"] == nil && pushedProof["courierId"] == nil)
            let pushedPhoto = try #require((pushedProof["photos"] as? [[String: Any]])?.first)
            #expect(pushedPhoto["id"] as? String == mediaId)
            let opened = await http.request("GET", "/v1/media/\(mediaId)", token: shop.customer)
            #expect(opened.status == 200 && opened.body == photo)
            #expect(opened.header("Content-Type") == "image/jpeg" && opened.header("Cache-Control")?.hasPrefix("private") == true)
            let etag = try #require(opened.header("ETag"))
            #expect(etag == "\"\(Self.sha256(photo))\"")
            #expect(await http.request("GET", "/v1/media/\(mediaId)", token: shop.customer, headers: ["If-None-Match": etag]).status == 304)
            // Range requests return the right bytes.
            let part = await http.request("GET", "/v1/media/\(mediaId)", token: shop.staff, headers: ["Range": "bytes=100-199"])
            #expect(part.status == 206 && part.body == photo.subdata(in: 100..<200))
            #expect(part.header("Content-Range") == "bytes 100-199/\(photo.count)")
            #expect(
                await http.request("GET", "/v1/media/\(mediaId)", token: shop.staff, headers: ["Range": "bytes=-36"]).body
                    == photo.suffix(36))
            #expect(
                await http.request("GET", "/v1/media/\(mediaId)", token: shop.staff, headers: ["Range": "bytes=99999-"]).code
                    == "416 range_not_satisfiable")
            // A stranger's token gets 404, as does another shop's staff; no token 401.
            #expect(await http.request("GET", "/v1/media/\(mediaId)", token: shop.stranger).code == "404 not_found")
            #expect(await http.request("GET", "/v1/media/\(mediaId)", token: shop.otherStaff).code == "404 not_found")
            #expect(await http.request("GET", "/v1/media/\(mediaId)", token: nil).code == "401 unauthorized")
            // Signed links work without a token, and expire.
            let link = await http.request("POST", "/v1/media/\(mediaId)/link?ttl=2", token: shop.customer)
            let url = try #require(link.json["url"] as? String, "\(link.code) \(link.json)")
            let path = String(url.dropFirst(http.base.count))
            #expect(await http.request("GET", path, token: nil).body == photo)
            #expect(await http.request("GET", path.replacingOccurrences(of: "sig=", with: "sig=A"), token: nil).code == "403 forbidden")
            #expect(await http.request("POST", "/v1/media/\(mediaId)/link", token: shop.stranger).code == "404 not_found")
            try await Task.sleep(for: .seconds(3))
            #expect(await http.request("GET", path, token: nil).code == "403 forbidden")

            // The customer confirms: the order completes.
            #expect(await http.json("POST", "/v1/orders/\(id)/confirmation", token: shop.courier, ["ok": true]).code == "403 forbidden")
            #expect(
                await http.json("POST", "/v1/orders/\(id)/confirmation", token: shop.customer, ["ok": true, "reason": "late"]).code
                    == "422 invalid_field")
            let confirmed = await http.json("POST", "/v1/orders/\(id)/confirmation", token: shop.customer, ["ok": true])
            #expect(confirmed.status == 201 && confirmed.json["by"] as? String == "customer", "\(confirmed.json)")
            #expect(confirmed.json["courierId"] == nil, "the customer's reply names no courier id: \(confirmed.json)")
            #expect(await shop.waitState(id, "completed"))
            #expect(
                await http.json("POST", "/v1/orders/\(id)/confirmation", token: shop.customer, ["ok": false, "reason": "late"]).code
                    == "409 conflict")

            // Ending two: a noDoorstep order may not be left at a safe place without the shop's say-so.
            let id2 = try await shop.orderOutForDelivery(noDoorstep: true)
            let photo2 = await http.upload(photo, type: "image/jpeg", order: id2, token: shop.courier)
            let photo2Id = try #require(photo2.json["id"] as? String)
            #expect(photo2.json["sha256"] as? String == Self.sha256(photo), "same bytes, same hash")
            var safePlace = proofInput
            safePlace["photoIds"] = [photo2Id]
            safePlace["handedTo"] = ["kind": "safePlace", "description": "behind the bins"]
            #expect(await http.json("POST", "/v1/orders/\(id2)/proof", token: shop.courier, safePlace).code == "409 conflict")
            #expect(await shop.state(id2) == "outForDelivery")
            var handed = safePlace
            handed["handedTo"] = ["kind": "recipient"]
            handed["photoIds"] = [mediaId]  // the first order's photo is not this order's
            #expect(await http.json("POST", "/v1/orders/\(id2)/proof", token: shop.courier, handed).code == "422 invalid_field")
            handed["photoIds"] = [photo2Id]
            #expect(await http.json("POST", "/v1/orders/\(id2)/proof", token: shop.courier, handed).status == 201)
            #expect(await shop.waitState(id2, "delivered"))
            // The customer disputes: wilted, with a photo of their own.
            let wilted = await http.upload(try MediaClient.fixture("photo.png"), type: "image/png", order: id2, token: shop.customer)
            let wiltedId = try #require(wilted.json["id"] as? String, "\(wilted.code) \(wilted.json)")
            #expect(
                await http.json("POST", "/v1/orders/\(id2)/confirmation", token: shop.customer, ["ok": false]).code == "422 invalid_field")
            let dispute = await http.json(
                "POST", "/v1/orders/\(id2)/confirmation", token: shop.customer,
                ["ok": false, "reason": "wilted", "note": "drooping by noon", "mediaIds": [wiltedId]])
            #expect(dispute.status == 201 && dispute.json["reason"] as? String == "wilted", "\(dispute.json)")
            // The shop gets it at once; the courier's stream does not carry it.
            let alert = try #require(
                await staffStream.waitForEvent("delivery.disputed", order: id2), "staff: \(staffStream.frames.value.suffix(3))")
            #expect(((alert["data"] as? [String: Any])?["media"] as? [[String: Any]])?.first?["id"] as? String == wiltedId)
            #expect(await courierStream.waitForEvent("proof.accepted", order: id2) != nil)
            #expect(!courierStream.frames.value.contains { $0.contains("delivery.disputed") })
            #expect(await shop.state(id2) == "delivered", "a dispute does not complete the order")

            // The evidence bundle: staff get everything; the customer their own order's; nobody else.
            let bundle = await http.request("GET", "/v1/orders/\(id2)/evidence", token: shop.staff)
            #expect(bundle.status == 200, "\(bundle.code)")
            let chain = try #require(bundle.json["chain"] as? [String: Any])
            #expect(chain["ok"] as? Bool == true && chain["records"] as? Int == 4, "media, media, proof, dispute: \(chain)")
            #expect((bundle.json["records"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["media", "proof", "media", "dispute"])
            #expect((bundle.json["timeline"] as? [String: Any])?["available"] as? Bool == true)
            let timeline = ((bundle.json["timeline"] as? [String: Any])?["data"] as? [[String: Any]])?.map { $0["state"] as? String }
            #expect(timeline?.last == "delivered", "\(String(describing: timeline))")
            // The chat transcript comes from the order's messaging shard: the order's story and the proof card.
            let chat = bundle.json["chat"] as? [String: Any]
            #expect(chat?["available"] as? Bool == true, "\(String(describing: chat))")
            let transcript = (chat?["data"] as? [String: Any])?["messages"] as? [[String: Any]] ?? []
            #expect(
                transcript.contains {
                    $0["kind"] as? String == "card" && ($0["card"] as? [String: Any])?["type"] as? String == "proofOfDelivery"
                })
            #expect(transcript.map { $0["seq"] as? Int ?? 0 } == Array(1...max(1, transcript.count)))
            // The route comes from posy-location: this courier sent no positions, so it is known to be empty.
            let track = bundle.json["track"] as? [String: Any]
            #expect(track?["available"] as? Bool == true, "\(String(describing: track))")
            let route = track?["data"] as? [String: Any]
            #expect(route?["orderId"] as? String == id2 && (route?["points"] as? [Any])?.isEmpty == true, "\(String(describing: route))")
            let proofs = bundle.json["proofs"] as? [[String: Any]]
            #expect((proofs?.first?["photos"] as? [[String: Any]])?.first?["sha256"] as? String == Self.sha256(photo))
            #expect(proofs?.first?["checks"] != nil)
            let mine = await http.request("GET", "/v1/orders/\(id2)/evidence", token: shop.customer)
            #expect(mine.status == 200 && mine.json["records"] == nil && (mine.json["proofs"] as? [[String: Any]])?.first?["checks"] == nil)
            #expect((mine.json["chain"] as? [String: Any])?["ok"] as? Bool == true)
            let myAnswers = try #require(mine.json["confirmations"] as? [[String: Any]])
            #expect(
                myAnswers.count == 1 && myAnswers[0]["courierId"] == nil && !String(decoding: mine.body, as: UTF8.self).contains("\"k1\""))
            #expect(await http.request("GET", "/v1/orders/\(id2)/evidence", token: shop.courier).code == "403 forbidden")
            #expect(await http.request("GET", "/v1/orders/\(id2)/evidence", token: shop.otherStaff).code == "404 not_found")
            #expect(await http.request("GET", "/v1/orders/\(id2)/evidence", token: shop.stranger).code == "404 not_found")
            let page = await http.request("GET", "/v1/orders/\(id2)/evidence.html", token: shop.staff)
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(page.status == 200 && page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(html.contains("data:image/jpeg;base64,\(photo.base64EncodedString())"))
            #expect(html.contains("data:image/png;base64,") && html.contains("wilted") && html.contains("Verified"))
            #expect(!html.contains("<script") && !html.contains("src=\"http"))

            // Tampering: one byte of a stored record changed with the sqlite3 tool is found and named.
            let db = "\(suite.dir)/data/receipts.db"
            let (verifiedOK, okOut) = try await Harness.run("posy", ["evidence", "verify", id2] + suite.busArgs.dropLast(2))
            #expect(verifiedOK == 0 && okOut.contains("4 record(s) verified"), "\(okOut)")
            let (sqlStatus, sqlOut) = try await Harness.run(
                path: "sqlite3",
                [
                    db,
                    "UPDATE evidence SET body = replace(body, '\"wilted\"', '\"damaged\"') WHERE order_id = '\(id2)' AND kind = 'dispute'",
                ])
            #expect(sqlStatus == 0, "\(sqlOut)")
            let (bad, badOut) = try await Harness.run("posy", ["evidence", "verify", id2] + suite.busArgs.dropLast(2))
            #expect(bad == 1 && badOut.contains("record 4 (dispute) does not match"), "\(badOut)")
            let (offline, offlineOut) = try await Harness.run("posy", ["evidence", "verify", id2, "--db", db])
            #expect(offline == 1 && offlineOut.contains("record 4 (dispute)"), "\(offlineOut)")
            let after = await http.request("GET", "/v1/orders/\(id2)/evidence", token: shop.staff)
            let mismatch = (after.json["chain"] as? [String: Any])?["firstMismatch"] as? [String: Any]
            #expect(mismatch?["n"] as? Int == 4 && mismatch?["kind"] as? String == "dispute", "\(after.json["chain"] ?? "-")")
            #expect(
                String(decoding: await http.request("GET", "/v1/orders/\(id2)/evidence.html", token: shop.staff).body, as: UTF8.self)
                    .contains("NOT VERIFIED: record 4"))
            // The note is kept beside the record, which commits to it: changed there, it is caught too.
            let (restored, restoredOut) = try await Harness.run(
                path: "sqlite3",
                [
                    db,
                    "UPDATE evidence SET body = replace(body, '\"damaged\"', '\"wilted\"') WHERE order_id = '\(id2)' AND kind = 'dispute';"
                        + "UPDATE evidence_personal SET value = replace(value, 'drooping', 'drooPing') WHERE order_id = '\(id2)';",
                ])
            #expect(restored == 0, "\(restoredOut)")
            let (personal, personalOut) = try await Harness.run("posy", ["evidence", "verify", id2, "--db", db])
            #expect(personal == 1 && personalOut.contains("record 4 (dispute) does not match: the kept value of /note"), "\(personalOut)")
            // The first order's chain is untouched.
            let (firstOK, firstOut) = try await Harness.run("posy", ["evidence", "verify", id] + suite.busArgs.dropLast(2))
            #expect(firstOK == 0 && firstOut.contains("; sealed"), "\(firstOut)")
            // Truncation: its proof record and everything after it deleted. What is left still links,
            // but the sealed head counts more records, online and offline alike.
            let (cutStatus, cutOut) = try await Harness.run(
                path: "sqlite3",
                [
                    db,
                    "DELETE FROM evidence WHERE order_id = '\(id)' AND n >= (SELECT n FROM evidence WHERE order_id = '\(id)' AND kind = 'proof')",
                ])
            #expect(cutStatus == 0, "\(cutOut)")
            let (cut, cutVerify) = try await Harness.run("posy", ["evidence", "verify", id] + suite.busArgs.dropLast(2))
            #expect(cut == 1 && cutVerify.contains("(missing) does not match") && cutVerify.contains("are missing"), "\(cutVerify)")
            let (cutOffline, cutOfflineOut) = try await Harness.run(
                "posy", ["evidence", "verify", id, "--db", db, "--data-dir", "\(suite.dir)/data"])
            #expect(cutOffline == 1 && cutOfflineOut.contains("are missing"), "\(cutOfflineOut)")
            let cutBundle = await http.request("GET", "/v1/orders/\(id)/evidence", token: shop.staff)
            #expect((cutBundle.json["chain"] as? [String: Any])?["ok"] as? Bool == false)

            for s in [customerStream, staffStream, courierStream] { await s.close() }
            #expect(await suite.stop())
        }

        static func sha256(_ data: Data) -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            let input = Pipe()
            let output = Pipe()
            p.standardInput = input
            p.standardOutput = output
            try? p.run()
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
            let out = output.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(String(decoding: out, as: UTF8.self).prefix(64))
        }
    }
}
