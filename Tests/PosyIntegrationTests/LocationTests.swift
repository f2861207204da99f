import Foundation
import PosyAccess
import PosyCore
import PosySchema
import Testing

extension Integration {
    /// Location tracking through the real executables: a courier drives a recorded route from the shop to the
    /// recipient over the stream while the test moves posy-location's clock, so a 25-minute window
    /// runs in seconds.
    @Suite(.serialized) struct LocationTests {
        /// A recorded ride: Alexanderplatz north along Prenzlauer Allee, about 2 km, a fix every 5 s.
        struct Route {
            static let shop = (lat: 52.5219, lon: 13.4132)
            static let home = (lat: 52.5397, lon: 13.4190)
            /// Points from the shop to `metres` along the straight line to the recipient, 25 m apart.
            static func point(_ metres: Double) -> (lat: Double, lon: Double) {
                let total = Geo.distance(lat1: shop.lat, lon1: shop.lon, lat2: home.lat, lon2: home.lon)
                let f = min(1, metres / total)
                return (shop.lat + (home.lat - shop.lat) * f, shop.lon + (home.lon - shop.lon) * f)
            }
            static var length: Double { Geo.distance(lat1: shop.lat, lon1: shop.lon, lat2: home.lat, lon2: home.lon) }
        }

        /// The suite on a test clock three hours behind, the shop, and a way to move the clock.
        struct Rig {
            let suite: SuiteTests.Suite
            let shop: ReceiptsAPITests.Shop
            let start: Date
            var rpc: String { "tcp://127.0.0.1:\(suite.rpcBase + 20)" }

            init(_ name: String) async throws {
                start = Date().addingTimeInterval(-3 * 3600).addingTimeInterval(
                    -Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
                suite = try SuiteTests.Suite(name, environment: ["POSY_TEST_CLOCK": Timestamp.format(start)])
                #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
                shop = try await ReceiptsAPITests.Shop(suite)
            }

            /// Moves posy-location's clock; returns its time.
            @discardableResult
            func advance(_ seconds: Double) async throws -> Date {
                try await Harness.advanceClock(rpc, curve: try suite.curve(to: "location"), seconds)
            }

            /// An order to the recipient of the route, window ending `windowEnd` after the clock's start,
            /// accepted and picked up by k1 (who does not press "depart").
            func pickedUpOrder(windowEnd: Double) async throws -> String {
                let http = shop.http
                let created = await http.json(
                    "POST", "/v1/orders", token: shop.staff,
                    [
                        "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                        "recipient": [
                            "name": "Mother", "phone": "+49 30 1", "address": "Prenzlauer Allee 90", "lat": Route.home.lat,
                            "lon": Route.home.lon,
                        ],
                        "items": [["name": "carnations", "quantity": 12]],
                        "window": ["start": Timestamp.format(start), "end": Timestamp.format(start.addingTimeInterval(windowEnd))],
                    ])
                let id = try #require(created.json["id"] as? String, "\(created.code) \(created.json)")
                #expect(await http.json("POST", "/v1/orders/\(id)/confirm", token: shop.staff).status == 200)
                #expect(await http.json("POST", "/v1/orders/\(id)/assign", token: shop.staff, ["courierId": "k1"]).status == 200)
                for action in ["accept", "pickup"] {
                    #expect(await http.json("POST", "/v1/orders/\(id)/\(action)", token: shop.courier).status == 200)
                }
                return id
            }

            static func fix(_ p: (lat: Double, lon: Double), at: Date, accuracy: Double = 6) -> [String: Any] {
                ["lat": p.lat, "lon": p.lon, "accuracy": accuracy, "at": Timestamp.format(at)]
            }

            /// Sends positions until posy-location knows the courier is on duty (it learns from orders' events).
            func waitOnDuty(_ courier: ChatClient, at: Date) async -> Bool {
                await Harness.waitFor(.seconds(10), poll: .milliseconds(100)) {
                    let r = try? await courier.call(["type": "loc.batch", "positions": [Self.fix(Route.point(0), at: at)]])
                    return r?["ok"] as? Bool == true
                }
            }
        }

        static func events(_ c: ChatClient, _ type: String, order: String) -> [[String: Any]] {
            c.pushes(type).filter { ($0["data"] as? [String: Any])?["orderId"] as? String == order }
        }

        @Test(.timeLimit(.minutes(4)))
        func aRecordedRideIsSharedLiveArrivesOnceAndWarnsOfDelayAndSilence() async throws {
            let rig = try await Rig("location-ride")
            let shop = rig.shop
            let http = shop.http
            let port = rig.suite.httpPort
            let courier = ChatClient(port: port, token: shop.courier, name: "courier")
            let customer = ChatClient(port: port, token: shop.customer, name: "customer")
            let staff = ChatClient(port: port, token: shop.staff, name: "staff")
            let stranger = ChatClient(port: port, token: shop.stranger, name: "stranger")
            let otherCourier = ChatClient(port: port, token: shop.otherCourier, name: "k2")
            for c in [courier, customer, staff, stranger, otherCourier] { #expect(await c.connected()) }
            var now = try await rig.advance(0)
            #expect(abs(now.timeIntervalSince(rig.start)) < 1, "the clock starts where it was told")
            #expect(await rig.waitOnDuty(courier, at: now))

            // Off duty: positions refused; staff's map does not show the courier.
            #expect(await http.json("POST", "/v1/couriers/k2/duty", token: shop.otherCourier, ["onDuty": false]).status == 200)
            #expect(
                await Harness.waitFor(.seconds(5)) {
                    await http.json("POST", "/v1/locations", token: shop.otherCourier, ["positions": [Rig.fix(Route.point(0), at: now)]])
                        .code == "403 off_duty"
                })

            // Fixes on the stream travel to posy-location gathered with other couriers' (one call for
            // several): each stream still hears its own courier's answer.
            let later = now.addingTimeInterval(1)
            async let mine = courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(1), at: later)]])
            async let theirs = otherCourier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(1), at: later)]])
            let (accepted, refused) = try await (mine, theirs)
            #expect(accepted["ok"] as? Bool == true && (accepted["data"] as? [String: Any])?["accepted"] as? Int == 1, "\(accepted)")
            #expect((refused["error"] as? [String: Any])?["code"] as? String == "off_duty", "\(refused)")
            let gathered = try await RPCClient.withClient(rig.rpc, curve: try rig.suite.curve(to: "location")) {
                try await $0.call(RPCMethod.stats, EmptyBody())
            }
            #expect((gathered.counters["rpc_requests.location.ingestBatch"] ?? 0) >= 1, "\(gathered.counters)")
            // Only the gateway may name couriers in a gathered batch: another service's key may not,
            // neither as itself nor as the gateway.
            let forged = LocationRPC.IngestBatchRequest(items: [.init(courier: "k1", shop: "s1", positions: [])])
            for caller in ["messaging", ServiceName.gateway] {
                do {
                    _ = try await RPCClient.withClient(rig.rpc, curve: try rig.suite.curve(to: "location", as: "messaging")) {
                        try await $0.call(LocationRPC.ingestBatch, forged, as: .service(caller))
                    }
                    Issue.record("messaging's key sent a gathered batch as \(caller)")
                } catch let e as PosyError {
                    #expect(e.code == .callerNotPermitted, "\(e)")
                }
            }

            // 25-minute window; the ride takes about 7 min plus a jam.
            let id = try await rig.pickedUpOrder(windowEnd: 25 * 60)
            now = try await rig.advance(5)
            #expect(try await courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(5), at: now)]])["ok"] as? Bool == true)
            // Before departure the customer gets nothing: no tracking, no pushes.
            #expect(await http.request("GET", "/v1/orders/\(id)/tracking", token: shop.customer).code == "404 not_found")
            let live = await http.request("GET", "/v1/shops/s1/couriers/live", token: shop.staff)
            let map = try JSONSerialization.jsonObject(with: live.body) as? [[String: Any]] ?? []
            #expect(map.compactMap { $0["courierId"] as? String } == ["k1"], "k2 is off duty: \(map)")

            // The ride: the courier never presses "depart"; leaving the shop's geofence does it.
            var metres = 5.0
            var departedAt: Double?
            while metres < Route.length - 400 {
                now = try await rig.advance(5)
                metres += 25
                let reply = try await courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(metres), at: now)]])
                #expect(reply["ok"] as? Bool == true, "\(reply)")
                if departedAt == nil, await shop.state(id) == "outForDelivery" { departedAt = metres }
            }
            #expect(await shop.waitState(id, "outForDelivery"))
            let timeline = await http.request("GET", "/v1/orders/\(id)/timeline", token: shop.staff)
            let entries = try JSONSerialization.jsonObject(with: timeline.body) as? [[String: Any]] ?? []
            #expect(entries.first { $0["state"] as? String == "outForDelivery" }?["actor"] as? String == "service:location")
            #expect(await customer.wait { fs in fs.contains { $0["type"] as? String == "order.position" } })
            let tracking = await http.request("GET", "/v1/orders/\(id)/tracking", token: shop.customer)
            #expect(tracking.status == 200 && (tracking.json["eta"] as? [String: Any])?["seconds"] is Double, "\(tracking.json)")
            #expect(((tracking.json["position"] as? [String: Any])?["courierId"]) == nil)

            // A jam 400 m before the door: the courier stands still; the prediction passes the window.
            for _ in 0..<40 {
                now = try await rig.advance(30)
                _ = try await courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(metres), at: now)]])
                if !Self.events(staff, "delivery.delayRisk", order: id).isEmpty { break }
            }
            #expect(await staff.wait { fs in fs.contains { $0["type"] as? String == "delivery.delayRisk" } })
            let risk = try #require(Self.events(staff, "delivery.delayRisk", order: id).first?["data"] as? [String: Any])
            let raisedAt = try #require(Timestamp.parse(risk["at"] as? String ?? ""))
            #expect(raisedAt < rig.start.addingTimeInterval(25 * 60), "raised before the window ended: \(risk)")
            #expect(risk["lateBySeconds"] is Double && risk["predictedArrival"] is String)
            #expect(Self.events(customer, "delivery.delayRisk", order: id).isEmpty, "alerts are the shop's")

            // Silence: three minutes without a position, then one.
            now = try await rig.advance(181)
            #expect(await staff.wait(.seconds(5)) { fs in fs.contains { $0["type"] as? String == "delivery.signalLost" } })
            now = try await rig.advance(5)
            _ = try await courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(metres), at: now)]])
            #expect(await staff.wait(.seconds(5)) { fs in fs.contains { $0["type"] as? String == "delivery.signalRestored" } })

            // The last 400 m, jittering at the 150 m circle: arriving once.
            while metres < Route.length - 20 {
                now = try await rig.advance(5)
                metres += 25
                let jitter = metres > Route.length - 200 && metres < Route.length - 100 ? Double.random(in: -30...30) : 0
                _ = try await courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(metres + jitter), at: now)]])
            }
            #expect(await shop.waitState(id, "arriving"))
            #expect(await customer.wait { fs in fs.contains { $0["type"] as? String == "order.arriving" } })

            // Customer pushes: only after departure, at most one per 2 s and 10 m of the courier's time.
            let positions = customer.pushes("order.position").compactMap { $0["data"] as? [String: Any] }
            let times = positions.compactMap { (($0["position"] as? [String: Any])?["at"] as? String).flatMap(Timestamp.parse) }
            #expect(positions.count > 20 && times.count == positions.count)
            for (a, b) in zip(times, times.dropFirst()) { #expect(b.timeIntervalSince(a) >= 2) }
            #expect(positions.allSatisfy { $0["orderId"] as? String == id && $0["state"] as? String != "pickedUp" })

            // Delivered: nothing more for the customer; the route stays with the shop.
            let photo = try MediaClient.fixture("photo.jpg")
            let uploaded = await http.upload(photo, type: "image/jpeg", order: id, token: shop.courier)
            let mediaId = try #require(uploaded.json["id"] as? String, "\(uploaded.code)")
            let proof = await http.json(
                "POST", "/v1/orders/\(id)/proof", token: shop.courier,
                [
                    "photoIds": [mediaId], "lat": Route.home.lat, "lon": Route.home.lon, "accuracy": 6,
                    "handedTo": ["kind": "recipient"], "recipientName": "Mother",
                ])
            #expect(proof.status == 201, "\(proof.code) \(proof.json)")
            #expect(await shop.waitState(id, "delivered"))
            try await Task.sleep(for: .milliseconds(300))
            let pushedBefore = customer.pushes("order.position").count
            for _ in 0..<3 {
                now = try await rig.advance(5)
                metres -= 30
                _ = try await courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(metres), at: now)]])
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(customer.pushes("order.position").count == pushedBefore)
            #expect(await http.request("GET", "/v1/orders/\(id)/tracking", token: shop.customer).code == "404 not_found")
            let track = await http.request("GET", "/v1/orders/\(id)/track", token: shop.staff)
            #expect(track.status == 200)
            let route = track.json
            #expect(
                (route["points"] as? [Any])?.count ?? 0 > 60 && (route["distanceMeters"] as? Double ?? 0) > 1_800,
                "\(route["distanceMeters"] ?? "-")")
            #expect(await http.request("GET", "/v1/orders/\(id)/track", token: shop.customer).code == "404 not_found")
            let bundle = await http.request("GET", "/v1/orders/\(id)/evidence", token: shop.staff)
            #expect(((bundle.json["track"] as? [String: Any])?["data"] as? [String: Any])?["points"] as? [Any] != nil)

            // Nobody else saw anything.
            #expect(await http.request("GET", "/v1/orders/\(id)/tracking", token: shop.stranger).code == "404 not_found")
            #expect(await http.request("GET", "/v1/orders/\(id)/tracking", token: shop.otherCourier).code == "404 not_found")
            #expect(stranger.pushes("order.position").isEmpty && otherCourier.pushes("order.position").isEmpty)
            #expect(otherCourier.pushes("courier.position").isEmpty && customer.pushes("courier.position").isEmpty)
            #expect(!staff.pushes("courier.position").isEmpty)
            #expect(Self.events(staff, "delivery.arriving", order: id).count == 1)

            // Bad input gets its codes.
            let bad: [([String: Any], String)] = [
                (Rig.fix((91, 13.4), at: now), "422 invalid_field"),
                (["lat": "NaN", "lon": 13.4, "accuracy": 5, "at": Timestamp.format(now)], "422 invalid_field"),
                (Rig.fix(Route.point(0), at: now.addingTimeInterval(365 * 86_400)), "422 invalid_field"),
            ]
            for (point, code) in bad {
                let r = await http.json("POST", "/v1/locations", token: shop.courier, ["positions": [point]])
                #expect(r.code == code, "\(point): \(r.json)")
            }
            let many = (0...10_000).map { Rig.fix(Route.point(Double($0 % 100)), at: now.addingTimeInterval(Double(-$0))) }
            #expect(await http.json("POST", "/v1/locations", token: shop.courier, ["positions": many]).code == "413 too_large")
            let mixed = await http.json(
                "POST", "/v1/locations", token: shop.courier,
                [
                    "positions": [
                        Rig.fix((91, 13.4), at: now), Rig.fix(Route.point(metres), at: now.addingTimeInterval(2)),
                    ]
                ])
            #expect(mixed.status == 200 && mixed.json["accepted"] as? Int == 1, "\(mixed.json)")
            #expect((mixed.json["dropped"] as? [[String: Any]])?.first?["reason"] as? String == "invalidCoordinates")
            let report = try await RPCClient.withClient(rig.rpc, curve: try rig.suite.curve(to: "location")) {
                try await $0.call(RPCMethod.stats, EmptyBody())
            }
            #expect((report.counters["positions_dropped_invalidCoordinates"] ?? 0) >= 3, "\(report.counters)")

            for c in [courier, customer, staff, stranger, otherCourier] { await c.close() }
            #expect(await rig.suite.stop())
        }

        /// Honest staleness: a courier standing still is pushed again every 15 s (so a page can tell a
        /// still courier from a silent phone by the push's age), and a courier whose app went to the
        /// background is shown so on the shop's map — to staff only — until it returns or a fix comes.
        @Test(.timeLimit(.minutes(3)))
        func aStillCourierStaysLiveAndAnAppInTheBackgroundIsShownToTheShopOnly() async throws {
            let rig = try await Rig("location-stale")
            let shop = rig.shop
            let http = shop.http
            let courier = ChatClient(port: rig.suite.httpPort, token: shop.courier, name: "courier")
            let customer = ChatClient(port: rig.suite.httpPort, token: shop.customer, name: "customer")
            let staff = ChatClient(port: rig.suite.httpPort, token: shop.staff, name: "staff")
            for c in [courier, customer, staff] { #expect(await c.connected()) }
            var now = try await rig.advance(0)
            #expect(await rig.waitOnDuty(courier, at: now))
            let id = try await rig.pickedUpOrder(windowEnd: 25 * 60)
            var metres = 0.0
            func step(_ seconds: Double, move: Double) async throws {
                now = try await rig.advance(seconds)
                metres += move
                let reply = try await courier.call(["type": "loc.batch", "positions": [Rig.fix(Route.point(metres), at: now)]])
                #expect(reply["ok"] as? Bool == true, "\(reply)")
            }
            for _ in 0..<40 where await shop.state(id) != "outForDelivery" { try await step(5, move: 25) }
            #expect(await shop.waitState(id, "outForDelivery"))
            try await step(5, move: 25)
            #expect(await customer.wait { _ in !Self.events(customer, "order.position", order: id).isEmpty })

            // Standing still: nothing new for 5 s, then again after 15 s, its age fresh.
            let before = Self.events(customer, "order.position", order: id).count
            try await step(5, move: 0)
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.events(customer, "order.position", order: id).count == before, "a still courier pushed at once")
            try await step(11, move: 0)
            #expect(
                await customer.wait { _ in Self.events(customer, "order.position", order: id).count == before + 1 },
                "a still courier was not pushed again after 15 s")
            let still = try #require(Self.events(customer, "order.position", order: id).last?["data"] as? [String: Any])
            #expect((still["position"] as? [String: Any])?["ageSeconds"] as? Double == 0, "\(still)")

            // The app goes to the background: the shop's map hears it at once; the customer never does.
            func staffSaysBackground() -> Bool? {
                (staff.pushes("courier.position").last?["data"] as? [String: Any])?["appInBackground"] as? Bool
            }
            #expect(await http.json("PUT", "/v1/locations/app-state", token: shop.staff, ["state": "background"]).code == "403 forbidden")
            #expect(await http.json("PUT", "/v1/locations/app-state", token: shop.courier, ["state": "asleep"]).status == 400)
            let told = await http.json("PUT", "/v1/locations/app-state", token: shop.courier, ["state": "background"])
            #expect(told.status == 200 && told.json["state"] as? String == "background", "\(told.code) \(told.json)")
            #expect(await staff.wait { _ in staffSaysBackground() == true }, "the shop's map did not hear it")
            let live = await http.request("GET", "/v1/shops/s1/couriers/live", token: shop.staff)
            let map = try JSONSerialization.jsonObject(with: live.body) as? [[String: Any]] ?? []
            #expect(map.first?["appInBackground"] as? Bool == true, "\(map)")
            let tracking = await http.request("GET", "/v1/orders/\(id)/tracking", token: shop.customer)
            #expect(tracking.status == 200 && (tracking.json["position"] as? [String: Any])?["appInBackground"] == nil)
            #expect(!String(decoding: tracking.body, as: UTF8.self).contains("appInBackground"))
            #expect(customer.frames.withLock { $0.allSatisfy { !"\($0)".contains("appInBackground") } })

            // Back in front — said, or shown by a fix.
            #expect(await http.json("PUT", "/v1/locations/app-state", token: shop.courier, ["state": "foreground"]).status == 200)
            #expect(await staff.wait { _ in staffSaysBackground() == nil })
            #expect(await http.json("PUT", "/v1/locations/app-state", token: shop.courier, ["state": "background"]).status == 200)
            #expect(await staff.wait { _ in staffSaysBackground() == true })
            try await step(20, move: 40)
            let after = await http.request("GET", "/v1/shops/s1/couriers/live", token: shop.staff)
            let mapAfter = try JSONSerialization.jsonObject(with: after.body) as? [[String: Any]] ?? []
            #expect(mapAfter.first?["appInBackground"] == nil, "a fresh fix is an app in front: \(mapAfter)")
            for c in [courier, customer, staff] { await c.close() }
            #expect(await rig.suite.stop())
        }

        /// Sends a batch over HTTP until posy-location takes it (it may be down and restarting).
        static func deliver(_ rig: Rig, _ batch: [[String: Any]]) async -> Bool {
            await Harness.waitFor(.seconds(30), poll: .milliseconds(200)) {
                await rig.shop.http.json("POST", "/v1/locations", token: rig.shop.courier, ["positions": batch]).status == 200
            }
        }

        /// Moves the clock, retrying while posy-location is down.
        static func tick(_ rig: Rig, _ seconds: Double) async throws -> Date {
            for _ in 0..<150 {
                if let now = try? await rig.advance(seconds) { return now }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw PosyError(.unavailable, "posy-location never came back")
        }

        @Test(.timeLimit(.minutes(4)))
        func sigkillMidRouteFiresEveryDurableEventOnceNotTwiceNotNever() async throws {
            let rig = try await Rig("location-kill")
            let shop = rig.shop
            let courier = ChatClient(port: rig.suite.httpPort, token: shop.courier, name: "courier")
            #expect(await courier.connected())
            var now = try await rig.advance(0)
            #expect(await rig.waitOnDuty(courier, at: now))
            await courier.close()
            // A 10-minute window for a ride of about 10 min with the hand-over: a delay risk early on.
            let id = try await rig.pickedUpOrder(windowEnd: 10 * 60)
            let store = "\(rig.suite.dir)/data/location.db"
            func count(_ topic: String) throws -> Int {
                try Harness.query(store, "SELECT COUNT(*) FROM outbox WHERE topic = '\(topic)'").first?.int(0).map(Int.init) ?? -1
            }
            func kill() async throws -> Int {
                let pid = try #require(rig.suite.row(await rig.suite.health().1, "location")?["pid"] as? Int)
                Foundation.kill(pid_t(pid), SIGKILL)
                return pid
            }
            var metres = 0.0
            var pending: [[String: Any]] = []
            var killed: [Int] = []
            while metres < Route.length - 20 {
                now = try await Self.tick(rig, 5)
                metres += 25
                pending.append(Rig.fix(Route.point(metres), at: now))
                // The phone resends what was not acknowledged (repeats are dropped as duplicates).
                #expect(await Self.deliver(rig, pending), "batch never taken")
                pending = []
                let toGo = Route.length - metres
                if killed.isEmpty, metres >= 1_000 { killed.append(try await kill()) }
                // Right after the fix that entered the arrival circle was acknowledged.
                if killed.count == 1, toGo <= 150 { killed.append(try await kill()) }
            }
            #expect(killed.count == 2)
            #expect(await shop.waitState(id, "arriving", timeout: .seconds(30)), "arriving never applied")
            #expect(try count("delivery.departed") == 1)
            #expect(try count("delivery.arriving") == 1)
            let risks = try Harness.query(store, "SELECT envelope FROM outbox WHERE topic = 'delivery.delayRisk' ORDER BY seq")
                .map { try EnvelopeCodec.decode($0.data(0)!).decode(DeliveryAlert.self) }
            #expect(!risks.isEmpty, "the window was too short from the start")
            for (a, b) in zip(risks, risks.dropFirst()) {
                #expect((b.lateBySeconds ?? 0) - (a.lateBySeconds ?? 0) >= 600, "a risk raised twice: \(risks)")
            }
            let timeline = await shop.http.request("GET", "/v1/orders/\(id)/timeline", token: shop.staff)
            let states = (try JSONSerialization.jsonObject(with: timeline.body) as? [[String: Any]] ?? []).compactMap {
                $0["state"] as? String
            }
            #expect(states.filter { $0 == "outForDelivery" }.count == 1 && states.filter { $0 == "arriving" }.count == 1, "\(states)")
            let pid = rig.suite.row(await rig.suite.health().1, "location")?["pid"] as? Int
            #expect(pid != nil && !killed.contains(pid!), "posy up restarted it")
            #expect(await rig.suite.stop())
        }
    }
}
