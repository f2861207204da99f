import Foundation
import PosyAuth
import PosyCore
import PosySchema
import PosyZMQ
import Testing

extension FaultIntegration {
    /// The suite across hosts, for real (docs/operations.md, "Several hosts"): every process in its own
    /// network namespace with its own address, configured only by flags, keys handed out as the
    /// docs say (each host its own secret key and every public key). The seed's story runs through
    /// the gateway; a host is SIGKILLed mid-story and comes back; a messaging shard on a new host
    /// takes new orders; an intruder host gets nowhere with no key, a stranger's, or another service's.
    @Suite(.serialized) struct MultiHostTests {
        static let bus = 11, orders = 12, m1 = 13, m2 = 14, location = 15, receipts = 16, notify = 17, gateway = 18, m3 = 19,
            intruder = 20

        /// The lab is made, used and removed while no browser runs in another lane (``NetworkQuiet``);
        /// the wait for one counts in the time limit.
        @Test(.enabled(if: NetLab.available, Comment(rawValue: NetLab.unavailableReason)), .timeLimit(.minutes(7)))
        func theSuiteAcrossHostsSurvivesAKilledHostGrowsAShardAndKeepsAnIntruderOut() async throws {
            try await NetworkQuiet.whileChanging { try await story() }
        }

        private func story() async throws {
            let dir = Harness.tempDir("hosts")
            let lab = try NetLab(logDir: dir)
            defer { lab.tearDown() }
            for n in [
                Self.bus, Self.orders, Self.m1, Self.m2, Self.location, Self.receipts, Self.notify, Self.gateway, Self.m3, Self.intruder,
            ] {
                try lab.host(n)
            }
            let a = lab.address
            // The names the Kubernetes manifests give each pod, here each host's (docs/operations.md, "Kubernetes").
            try lab.name([
                Self.bus: [ClusterNames.bus], Self.orders: [ClusterNames.orders], Self.m1: [ClusterNames.messaging(shard: 1)],
                Self.m2: [ClusterNames.messaging(shard: 2)], Self.m3: [ClusterNames.messaging(shard: 3)],
                Self.location: [ClusterNames.location], Self.receipts: [ClusterNames.receipts], Self.notify: [ClusterNames.notify],
            ])
            // Keys made once; each host gets the secret key of what it runs and every public key.
            let master = "\(dir)/keys"
            try SuiteKeyring.create(directory: master, identities: SuiteKeyring.suiteIdentities)
            func keys(_ host: String, _ identities: [String]) throws -> String {
                let target = "\(dir)/\(host)/keys"
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                for name in try FileManager.default.contentsOfDirectory(atPath: master) {
                    let isOwn = identities.contains { name == "\($0).key" }
                    guard name.hasSuffix(".pub") || isOwn, !FileManager.default.fileExists(atPath: "\(target)/\(name)") else { continue }
                    try FileManager.default.copyItem(atPath: "\(master)/\(name)", toPath: "\(target)/\(name)")
                    if isOwn { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(target)/\(name)") }
                }
                return target
            }
            // The suite's secret: the gateway signs tokens with it, receipts seals evidence, notify signs links.
            let secret = try SuiteSecret.load(dataDir: "\(dir)/secret")
            for host in ["gateway", "receipts", "notify"] {
                try FileManager.default.createDirectory(atPath: "\(dir)/\(host)/data", withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: "\(dir)/secret/secret", toPath: "\(dir)/\(host)/data/secret")
            }
            let busFlags = ["--bus-pub", "tcp://\(ClusterNames.bus):7100", "--bus-sub", "tcp://\(ClusterNames.bus):7101"]
            /// Binds every address, advertises the host's name.
            func flags(_ host: String, _ identity: String, name: String, port: Int) throws -> [String] {
                busFlags + [
                    "--data-dir", "\(dir)/\(host)/data", "--keys-dir", try keys(host, [identity]), "--rpc", "tcp://0.0.0.0:\(port)",
                    "--advertise", "tcp://\(name):\(port)",
                ]
            }
            _ = try lab.start(
                "bus", on: Self.bus, "posy-bus",
                [
                    "--frontend", "tcp://\(a(Self.bus)):7100", "--backend", "tcp://\(a(Self.bus)):7101", "--rpc",
                    "tcp://\(a(Self.bus)):7102", "--advertise", "tcp://\(ClusterNames.bus):7102",
                    "--data-dir", "\(dir)/bus/data", "--keys-dir", try keys("bus", [ServiceName.bus]),
                ])
            func startOrders(shards: String) throws -> Child {
                try lab.start(
                    "orders", on: Self.orders, "posy-orders",
                    try flags("orders", ServiceName.orders, name: ClusterNames.orders, port: 7110) + [
                        "--messaging-shards", shards, "--location-consent", "external",
                    ])
            }
            var ordersProcess = try startOrders(shards: "1,2")
            for (host, shard) in [(Self.m1, 1), (Self.m2, 2)] {
                _ = try lab.start(
                    "messaging-\(shard)", on: host, "posy-messaging",
                    try flags("messaging-\(shard)", ServiceName.messaging, name: ClusterNames.messaging(shard: shard), port: 7120) + [
                        "--shard", "\(shard)",
                    ])
            }
            _ = try lab.start(
                "location", on: Self.location, "posy-location",
                try flags("location", ServiceName.location, name: ClusterNames.location, port: 7130))
            _ = try lab.start(
                "receipts", on: Self.receipts, "posy-receipts",
                try flags("receipts", ServiceName.receipts, name: ClusterNames.receipts, port: 7140))
            _ = try lab.start(
                "notify", on: Self.notify, "posy-notify", try flags("notify", ServiceName.notify, name: ClusterNames.notify, port: 7150))
            let base = "http://\(a(Self.gateway)):8080"
            _ = try lab.start(
                "gateway", on: Self.gateway, "posy-gateway",
                try flags("gateway", ServiceName.gateway, name: a(Self.gateway), port: 7160) + [
                    "--http-host", "0.0.0.0", "--http-port", "8080", "--public-url", base, "--rate-limit", "0",
                    "--expect", "bus,orders,messaging-1,messaging-2,location,receipts,notify",
                ])

            let signer = TokenSigner(secret: secret)
            let admin = try signer.mint(sub: "a1", role: .admin, ttl: 900)
            let staff = try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 900)
            let courier = try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 900)
            let customer = try signer.mint(sub: "c1", role: .customer, ttl: 900)
            func healthy() async -> Bool {
                await Harness.waitFor(.seconds(60), poll: .milliseconds(300)) {
                    await Harness.http("GET", "\(base)/healthz", token: admin).0 == 200
                }
            }
            let up = await healthy()
            let health = await Harness.http("GET", "\(base)/healthz", token: admin).1
            try #require(up, "the suite across hosts never became healthy: \(String(describing: health))")

            // The seed's story through the gateway: carnations for Mother, no doorstep.
            let http = MediaClient(base: base)
            #expect(
                await http.json(
                    "POST", "/v1/shops", token: admin,
                    [
                        "id": "s1", "name": "Lily's", "address": "Alexanderplatz", "lat": 52.5219, "lon": 13.4132,
                        "timeZone": "Europe/Berlin",
                    ]
                ).status == 201)
            #expect(
                await http.json(
                    "POST", "/v1/shops/s1/couriers", token: admin, ["id": "k1", "name": "Jonas Weber", "phone": "+49 1", "vehicle": "bike"]
                )
                .status == 201)
            let fmt = ISO8601DateFormatter()
            func newOrder() async throws -> (id: String, conversation: String) {
                let created = await http.json(
                    "POST", "/v1/orders", token: staff,
                    [
                        "shopId": "s1", "customer": ["id": "c1", "name": "Mei"],
                        "recipient": [
                            "name": "Mother", "phone": "+49 30 1", "address": "Karl-Marx-Allee 1", "lat": 52.5208, "lon": 13.4095,
                        ],
                        "items": [["name": "carnations", "quantity": 12]], "handling": ["noDoorstep": true],
                        "window": [
                            "start": fmt.string(from: Date().addingTimeInterval(-1800)),
                            "end": fmt.string(from: Date().addingTimeInterval(5400)),
                        ],
                    ])
                let id = try #require(created.json["id"] as? String, "\(created.code) \(created.json)")
                return (id, try #require(created.json["conversationId"] as? String))
            }
            let (id, conversation) = try await newOrder()
            #expect(await http.json("POST", "/v1/orders/\(id)/confirm", token: staff).status == 200)
            #expect(await http.json("POST", "/v1/orders/\(id)/assign", token: staff, ["courierId": "k1"]).status == 200)
            for action in ["accept", "pickup"] {
                #expect(await http.json("POST", "/v1/orders/\(id)/\(action)", token: courier).status == 200)
            }
            #expect(
                await http.json(
                    "POST", "/v1/conversations/\(conversation)/messages", token: customer,
                    ["clientMsgId": "c-1", "kind": "text", "text": "where are my flowers?"]
                )
                .status == 201)

            // Mid-story, the orders host dies (SIGKILL) and comes back — with a third messaging shard,
            // on a host of its own, in its list.
            ordersProcess.kill()
            _ = try lab.start(
                "messaging-3", on: Self.m3, "posy-messaging",
                try flags("messaging-3", ServiceName.messaging, name: ClusterNames.messaging(shard: 3), port: 7120) + ["--shard", "3"])
            ordersProcess = try startOrders(shards: "1,2,3")
            #expect(
                await Harness.waitFor(.seconds(30), poll: .milliseconds(200)) {
                    await http.json("POST", "/v1/orders/\(id)/depart", token: courier).status == 200
                }, "depart never went through after orders came back")
            #expect(
                await Harness.waitFor(.seconds(10), poll: .milliseconds(200)) {
                    await http.json(
                        "POST", "/v1/locations", token: courier,
                        ["positions": [["lat": 52.5210, "lon": 13.4100, "accuracy": 5, "at": Timestamp.now()]]]
                    ).status == 200
                })
            #expect(
                await Harness.waitFor(.seconds(10), poll: .milliseconds(200)) {
                    await http.request("GET", "/v1/orders/\(id)/tracking", token: customer).status == 200
                }, "the customer never saw the courier coming")
            let photo = try MediaClient.fixture("photo.jpg")
            let uploaded = await http.upload(photo, type: "image/jpeg", order: id, token: courier)
            let mediaId = try #require(uploaded.json["id"] as? String, "\(uploaded.code)")
            let proof = await http.json(
                "POST", "/v1/orders/\(id)/proof", token: courier,
                [
                    "photoIds": [mediaId], "lat": 52.52085, "lon": 13.40955, "accuracy": 6, "handedTo": ["kind": "recipient"],
                    "recipientName": "Mother",
                ])
            #expect(proof.status == 201, "\(proof.code) \(proof.json)")
            #expect(
                await Harness.waitFor(.seconds(15), poll: .milliseconds(200)) {
                    await http.request("GET", "/v1/orders/\(id)", token: staff).json["state"] as? String == "delivered"
                })
            // Nothing lost or doubled across the kill: every state once, the customer's message once.
            let timeline = await http.request("GET", "/v1/orders/\(id)/timeline", token: staff)
            let states = ((try? JSONSerialization.jsonObject(with: timeline.body)) as? [[String: Any]] ?? []).compactMap {
                $0["state"] as? String
            }
            // (`arriving` comes from location's geofence when the position reached it after departure.)
            #expect(Set(states).count == states.count, "a state twice: \(states)")
            #expect(
                states.filter { $0 != "arriving" } == [
                    "placed", "confirmed", "assigned", "accepted", "pickedUp", "outForDelivery", "delivered",
                ],
                "\(states)")
            let page = await http.request("GET", "/v1/conversations/\(conversation)/messages?limit=200", token: staff).json
            let texts = (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(texts.filter { $0 == "where are my flowers?" }.count == 1, "\(texts)")
            // And every store applies a new probe exactly once (posy ping checks the counts), asked
            // from the gateway's host, where the suite's names resolve.
            let (ping, pingOut) = try await lab.run(
                on: Self.gateway, (Harness.binDir as NSString).appendingPathComponent("posy"),
                ["ping"] + busFlags + [
                    "--keys-dir", master, "--expect", "orders,messaging-1,messaging-2,messaging-3,location,receipts,notify", "--timeout",
                    "30",
                    "--rpc", "tcp://\(a(Self.gateway)):*",  // an address the hosts reach, so they can replay from it
                ])
            #expect(ping == 0, "\(pingOut)")

            // The new shard takes new orders.
            var onThree: String?
            for _ in 0..<15 where onThree == nil {
                let (_, conv) = try await newOrder()
                if MessagingRPC.instance(of: conv) == MessagingRPC.instance(shard: 3) { onThree = conv }
            }
            let three = try #require(onThree, "no new order's conversation went to the new shard")
            // The shard opens the conversation when it applies the order's event; a resend with the
            // same client id is never stored twice.
            let sent = await Harness.waitFor(.seconds(15), poll: .milliseconds(200)) {
                await http.json(
                    "POST", "/v1/conversations/\(three)/messages", token: staff,
                    ["clientMsgId": "s-3", "kind": "text", "text": "on its way soon"]
                ).status == 201
            }
            #expect(sent, "no message reached the new shard's conversation")
            let onShard = await http.request("GET", "/v1/conversations/\(three)/messages?limit=50", token: staff).json
            #expect((onShard["messages"] as? [[String: Any]] ?? []).filter { $0["text"] as? String == "on its way soon" }.count == 1)

            // The intruder host: no key, a stranger's key, and location's issued key.
            let intruderKeys = try keys("intruder", [ServiceName.location])
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/intruder.py").path
            // Meanwhile the shop and the customer chat: pushes to people are on the bus all along.
            let chatter = Task {
                var n = 0
                while !Task.isCancelled {
                    n += 1
                    _ = await http.json(
                        "POST", "/v1/conversations/\(three)/messages", token: staff,
                        ["clientMsgId": "chat-\(n)", "kind": "text", "text": "update \(n)"])
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            defer { chatter.cancel() }
            // The control: the operator's key may read the shop's pushes, and they are there.
            let cliSecurity = try BusSecurity(keyring: SuiteKeyring.load(directory: master, identity: ServiceName.cli))
            var watching = ZMQSocketOptions()
            watching.curve = try cliSecurity.client(of: ServiceName.bus)
            watching.subscriptions = [UserPush.shopTopic("s1")]
            let operatorView = try await ZMQSocket.open(.sub, connect: ["tcp://\(a(Self.bus)):7101"], options: watching)
            let pushesOnBus = Locked(0)
            let counting = Task {
                while let batch = await operatorView.inbox.next(max: 256) { pushesOnBus.withLock { $0 += batch.count } }
            }
            for key in ["none", "stranger", "issued"] {
                let (status, out) = try await lab.run(
                    on: Self.intruder, "/usr/bin/env",
                    [
                        "python3", script, "--bus-sub", "tcp://\(a(Self.bus)):7101", "--bus-pub", "tcp://\(a(Self.bus)):7100",
                        "--rpc", "tcp://\(a(Self.orders)):7110", "--public-keys", intruderKeys, "--key", key, "--identity",
                        ServiceName.location,
                    ], timeout: .seconds(60))
                #expect(status == 0, "\(out)")
                let report = try #require(Harness.report(out), "no report in:\n\(out)")
                #expect(report["forgedSeen"] as? Int == 0 && report["pushesSeen"] as? Int == 0, "\(key): \(report)")
                if key == "issued" {
                    #expect(
                        (report["rpcCodes"] as? [String: String])?[OrdersRPC.list.name] == ErrorCode.callerNotPermitted.rawValue,
                        "\(report)")
                } else {
                    #expect(report["busMessages"] as? Int == 0 && report["rpcReplies"] as? Int == 0, "\(key): \(report)")
                }
            }
            chatter.cancel()
            await operatorView.close()
            await counting.value
            #expect(pushesOnBus.value > 0, "no push to the shop was on the bus while the intruder listened: its silence proves nothing")
            let cli = cliSecurity
            let ordersStats = try await RPCClient.withClient("tcp://\(a(Self.orders)):7110", curve: try cli.client(of: ServiceName.orders))
            {
                try await $0.call(RPCMethod.stats, EmptyBody())
            }
            #expect(
                (ordersStats.counters["zap_refused"] ?? 0) >= 1 && (ordersStats.counters["rpc_refused"] ?? 0) >= 1,
                "\(ordersStats.counters)")
            let proxy = try await RPCClient.withClient("tcp://\(a(Self.bus)):7102", curve: try cli.client(of: ServiceName.bus)) {
                try await $0.call(RPCMethod.busProxy, EmptyBody())
            }
            #expect(proxy.frontendMessagesRefused >= 3, "\(proxy)")
            // location's key subscribed to everything: refused, so no push to a person could reach it.
            #expect(proxy.backendSubscriptionsRefused >= 1, "\(proxy)")
            #expect(await healthy())
        }
    }
}
