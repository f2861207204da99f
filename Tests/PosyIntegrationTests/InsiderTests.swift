import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosyZMQ
import Synchronization
import Testing

extension Integration {
    /// What a process holding a key the suite issued can do (docs/protocol.md, "Who may read what"):
    /// read only its grant, and disturb nobody else's pushes whatever it subscribes to and however it
    /// leaves. Tried from outside with pyzmq against `posy up`.
    @Suite(.serialized) struct InsiderTests {
        @Test(.timeLimit(.minutes(3)))
        func anIssuedKeyReadsOnlyItsGrantAndLeavingCutsNobodysPushes() async throws {
            let suite = try SuiteTests.Suite("insider")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            // The operator's monitor, made with the real tool: heartbeats and probes, nothing else.
            let (made, madeOut) = try await Harness.run(
                "posy", ["keys", "create", "monitor", "--read", "sys.", "--keys-dir", suite.keysDir])
            #expect(made == 0 && madeOut.contains("monitor: may read sys."), "\(madeOut)")
            // Pushes to people cannot be granted, and a refused grant leaves no key behind.
            let (refused, refusedOut) = try await Harness.run(
                "posy", ["keys", "create", "nosy", "--read", "to.", "--keys-dir", suite.keysDir])
            #expect(refused != 0 && refusedOut.contains("keys_grant"), "\(refusedOut)")
            #expect(!FileManager.default.fileExists(atPath: "\(suite.keysDir)/nosy.key"))

            let shop = try await ReceiptsAPITests.Shop(suite)
            let created = await shop.placeOrder(["cardMessage": "For Mum, with all my love"])
            let orderId = try #require(created.json["id"] as? String, "\(created.json)")
            let conversation = try #require(created.json["conversationId"] as? String)
            let link = String(try #require(created.json["trackingUrl"] as? String).split(separator: "/").last!)
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await shop.http.request("GET", "/v1/conversations/\(conversation)", token: shop.customer).status == 200
                })
            let own = ChatClient(port: suite.httpPort, token: shop.customer, name: "own")
            let staffDevice = ChatClient(port: suite.httpPort, token: shop.staff, name: "staff")
            for device in [own, staffDevice] { #expect(await device.connected()) }
            var said = 0
            /// The shop writes; the customer's phone must hear it within 3 s.
            func pushesStillArrive(_ after: String) async throws {
                said += 1
                #expect(try await staffDevice.say(conversation, "message \(said)")["ok"] as? Bool == true)
                let n = said
                let heard = await own.wait(.seconds(3)) { _ in own.seqs(conversation).count >= n }
                #expect(heard, "after \(after), no push reached the customer")
            }
            try await pushesStillArrive("nothing")

            let script = Harness.packageRoot.appendingPathComponent("Tests/python/insider.py").path
            let receiptsRPC = try #require(suite.row(await suite.health().1, ServiceName.receipts)?["rpc"] as? String)
            for identity in ["monitor", ServiceName.location] {
                let (status, out) = try await Harness.run(
                    path: "python3",
                    [
                        script, "--bus-sub", "tcp://127.0.0.1:\(suite.busPort + 1)", "--rpc", "tcp://127.0.0.1:\(suite.rpcBase)",
                        "--keys", suite.keysDir, "--identity", identity, "--receipts-rpc", receiptsRPC,
                    ], timeout: .seconds(60))
                #expect(status == 0, "\(out)")
                let report = try #require(Harness.report(out), "no report in:\n\(out)")
                let heard = report["heard"] as? [String: Int] ?? [:]
                let grant = EventReaders.suite[identity] ?? ["sys."]
                #expect((heard[Topic.heartbeat] ?? 0) > 0, "\(identity) heard no heartbeat: the silence proves nothing: \(report)")
                #expect(heard.keys.allSatisfy { EventReaders.covers(grant, topic: $0) }, "\(identity) read outside its grant: \(heard)")
                #expect(heard["to."] == nil && heard["shop."] == nil, "\(identity) read pushes meant for people: \(heard)")
                let sinceTopics = report["sinceTopics"] as? [String] ?? []
                #expect(report["sinceCode"] as? String == "ok", "\(report)")
                #expect(sinceTopics.allSatisfy { EventReaders.covers(grant, topic: $0) }, "events.since gave \(identity) \(sinceTopics)")
                let replay = report["replay"] as? [String: String] ?? [:]
                #expect(replay["sys.probe.ack"] == "ok", "\(report)")
                #expect(
                    report["backup"] as? [String] == Array(repeating: ErrorCode.callerNotPermitted.rawValue, count: 4),
                    "\(identity) reached a store's backup: \(report)")
                #expect(
                    report["privacy"] as? [String] == Array(repeating: ErrorCode.callerNotPermitted.rawValue, count: 7),
                    "\(identity) reached a person's data: \(report)")
                if identity == "monitor" {
                    // The card message rides on order events: not one reached the monitor.
                    #expect(!sinceTopics.contains { $0.hasPrefix("order.") } && heard["order."] == nil, "\(report)")
                    #expect(replay["order.placed"] == ErrorCode.callerNotPermitted.rawValue, "\(report)")
                } else {
                    // posy-location consumes order events (that is its job), so it gets them; nothing else.
                    #expect(sinceTopics.contains("order.placed") && replay["order.placed"] == "ok", "\(report)")
                    #expect(!sinceTopics.contains { $0.hasPrefix("exception.") || $0 == Topic.fleetAccessEnded }, "\(report)")
                }
                try await pushesStillArrive("\(identity) subscribed to everything and left")
            }
            let (_, health) = await suite.health()
            #expect(suite.row(health, "gateway").flatMap { ($0["checks"] as? [String: String])?["pushes"] } == "ok", "\(health)")
            let proxy = try await RPCClient.withClient("tcp://127.0.0.1:\(suite.busPort + 2)", curve: try suite.curve(to: ServiceName.bus))
            {
                try await $0.call(RPCMethod.busProxy, EmptyBody())
            }
            #expect(proxy.backendSubscriptionsRefused >= 6, "\(proxy)")

            // Ended access still reaches the gateway at once: a renewed link closes the old one's page.
            let page = StreamClient(port: suite.httpPort, token: link, queryToken: true)
            #expect(await page.wait { !$0.messages.isEmpty })
            let renewed = await shop.http.json("POST", "/v1/orders/\(orderId)/tracking-link", token: shop.staff)
            #expect(renewed.status == 200 || renewed.status == 201, "\(renewed.json)")
            // Within 10 s: without the event the gateway would learn of it only at its 30-s recheck.
            #expect(await page.wait(.seconds(10)) { $0.ended.value != nil })
            #expect(page.ended.value?.contains("4003") == true, "\(page.ended.value ?? "-")")
            for c in [own, staffDevice] { await c.close() }
            await page.close()
            #expect(await suite.stop())
        }

        /// Should pushes stop reaching the gateway for a reason nobody foresaw, it notices by its
        /// canary (docs/architecture.md, "The stream"): its health turns degraded, and it subscribes
        /// again. Here the test is the bus — a forwarder with the bus's key that loses the gateway's
        /// push subscriptions until told otherwise — and posy-gateway, unchanged, is the one to notice.
        @Test(.timeLimit(.minutes(2)))
        func aGatewayWhosePushesStopArrivingSaysSoAndSubscribesAgain() async throws {
            let dir = Harness.tempDir("canary")
            let losing = Atomic<Bool>(true)
            let lossy = try await TestBus(
                dir: dir, identities: [ServiceName.gateway, ServiceName.cli],
                subscriptionFilter: { _, prefix in !(losing.load(ordering: .relaxed) && EventReaders.takesInPushes(prefix)) })
            let keysDir = lossy.keysDir
            let http = Harness.freePorts(2)
            let gateway = try Child(
                "gateway", "posy-gateway",
                [
                    "--bus-pub", lossy.pub, "--bus-sub", lossy.sub, "--rpc", "tcp://127.0.0.1:*",
                    "--data-dir", "\(dir)/data", "--keys-dir", keysDir, "--http-port", "\(http)", "--ops-port", "\(http + 1)",
                    "--expect", ServiceName.gateway,
                ], logDir: dir
            ).start()
            defer { gateway.kill() }
            func pushes() async -> String? {
                let (_, body) = await Harness.http("GET", "http://127.0.0.1:\(http + 1)/healthz")
                let rows = (body as? [String: Any])?["services"] as? [[String: Any]]
                return (rows?.first { $0["instance"] as? String == ServiceName.gateway }?["checks"] as? [String: String])?["pushes"]
            }
            // Heartbeats go through, pushes do not: the gateway says so rather than stay green.
            let degraded = await Harness.waitFor(.seconds(20), poll: .milliseconds(200)) {
                await pushes()?.hasPrefix("no canary back through the bus") == true
            }
            let said = await pushes() ?? "no health"
            #expect(degraded, "\(said):\n\(gateway.log.suffix(2000))")
            #expect(await Harness.get("http://127.0.0.1:\(http + 1)/healthz").0 == 503)
            // An orchestrator's probes (docs/operations.md, "Kubernetes"): alive, not ready, and why.
            #expect(await Harness.get("http://127.0.0.1:\(http + 1)/livez").0 == 200)
            let (notReady, why) = await Harness.get("http://127.0.0.1:\(http + 1)/readyz")
            #expect(
                notReady == 503 && String(decoding: why, as: UTF8.self).hasPrefix("pushes: no canary"),
                "\(String(decoding: why, as: UTF8.self))")
            // The bus mends; only a fresh subscription is made now, and the gateway makes one by itself.
            losing.store(false, ordering: .relaxed)
            let mended = await Harness.waitFor(.seconds(25), poll: .milliseconds(200)) { await pushes() == "ok" }
            let now = await pushes() ?? "no health"
            #expect(mended, "\(now):\n\(gateway.log.suffix(2000))")
            #expect(await Harness.get("http://127.0.0.1:\(http + 1)/healthz").0 == 200)
            #expect(await Harness.get("http://127.0.0.1:\(http + 1)/readyz").0 == 200)
            let (_, metrics) = await Harness.get("http://127.0.0.1:\(http + 1)/metrics")
            #expect(String(decoding: metrics, as: UTF8.self).contains("posy_push_path_resubscribes_total"), "no resubscription counted")
            #expect(gateway.log.contains("pushes stopped coming back through the bus; subscribing again"))
            await gateway.terminate()
            await lossy.stop()
        }

        /// Another local account reads nothing of the suite's (docs/operations.md, "Stores"): every
        /// store, WAL, media file and secret is its owner's alone, and what was left looser is
        /// tightened when the suite starts on it again, and said in the log.
        @Test(.timeLimit(.minutes(3)))
        func anotherLocalAccountReadsNoStoreAndLooserModesAreTightenedAtStart() async throws {
            let first = try SuiteTests.Suite("modes")
            #expect(await first.waitHealthy(), "healthz never 200:\n\(first.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(first)
            let created = await shop.placeOrder(["cardMessage": "For Mum, with all my love"])
            let orderId = try #require(created.json["id"] as? String, "\(created.json)")
            let photo = await shop.http.upload(try MediaClient.fixture("photo.jpg"), type: "image/jpeg", order: orderId, token: shop.staff)
            #expect(photo.status == 201, "\(photo.code)")

            /// Every path under `data` that others may read, but the public keys and grants.
            func exposed(_ data: String) -> [String] {
                var out: [String] = []
                var st = stat()
                if stat(data, &st) == 0, st.st_mode & 0o077 != 0 { out.append(data) }
                for relative in FileManager.default.enumerator(atPath: data)?.compactMap({ $0 as? String }) ?? [] {
                    let path = "\(data)/\(relative)"
                    if relative.hasPrefix("keys/") && (relative.hasSuffix(".pub") || relative.hasSuffix(".read")) { continue }
                    if lstat(path, &st) == 0, st.st_mode & 0o077 != 0 { out.append("\(relative) \(String(st.st_mode & 0o777, radix: 8))") }
                }
                return out
            }
            let data = "\(first.dir)/data"
            #expect(
                FileManager.default.fileExists(atPath: "\(data)/orders.db-wal")
                    && FileManager.default.fileExists(atPath: "\(data)/media/blobs"))
            #expect(exposed(data).isEmpty, "readable by other accounts: \(exposed(data))")
            // Tried as `nobody`, where this test may switch accounts (it runs as root in CI).
            if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
                for file in ["orders.db", "orders.db-wal", "secret"] {
                    let (status, out) = try await Harness.run(
                        path: "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "cat", "\(data)/\(file)"])
                    #expect(status != 0 && out.contains("Permission denied"), "nobody read \(file): \(status) \(out.prefix(200))")
                }
            } else {
                print("InsiderTests: not root or no setpriv; the modes were checked, another account's read was not tried")
            }
            #expect(await first.stop())

            // Loosened by hand (an older version, a careless copy), then started again on the same data.
            let second = try SuiteTests.Suite("modes-again") { dir in
                let copy = Process()
                copy.executableURL = URL(fileURLWithPath: "/bin/cp")
                copy.arguments = ["-a", data, "\(dir)/data"]
                try copy.run()
                copy.waitUntilExit()
                for path in ["data", "data/orders.db", "data/orders.db-wal", "data/media", "data/media/blobs"] {
                    chmod("\(dir)/\(path)", path.hasSuffix(".db") || path.hasSuffix("-wal") ? 0o644 : 0o755)
                }
            }
            #expect(!exposed("\(second.dir)/data").isEmpty, "the test did not loosen anything")
            #expect(await second.waitHealthy(), "healthz never 200:\n\(second.up.log.suffix(3000))")
            #expect(exposed("\(second.dir)/data").isEmpty, "still readable by other accounts: \(exposed("\(second.dir)/data"))")
            #expect(second.up.log.contains("tightened"), "\(second.up.log.suffix(2000))")
            #expect(await second.stop())
        }
    }
}
