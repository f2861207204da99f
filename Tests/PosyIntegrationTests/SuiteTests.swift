import Foundation
import Logging
import PosyAuth
import PosyCore
import PosySchema
import PosyStore
import PosyZMQ
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Integration {
    /// `posy up` on free ports in a temp directory, driven as an operator and a client would.
    @Suite(.serialized) struct SuiteTests {
        struct Suite {
            let dir: String
            let busPort: Int
            let rpcBase: Int
            let httpPort: Int
            let up: Child
            let instances = ["bus", "orders", "messaging-1", "messaging-2", "location", "receipts", "notify"]
            let stores = ["orders", "messaging-1", "messaging-2", "location", "receipts", "notify"]

            /// `upArgs`: extra `posy up` flags. Rate limiting is off unless a test asks for it: these
            /// tests send bursts with one token on purpose.
            /// `environment`: `POSY_*` settings for the services (`posy up` passes its environment on).
            /// Couriers' consent to location collection is taken as given (`POSY_LOCATION_CONSENT=external`)
            /// unless a test sets it: the consent itself is tested where it is asked for.
            /// `prepare` runs on the test's directory before the suite starts (e.g. to mount its `data`).
            /// `openFiles`: every process's open-file limit, soft and hard (`prlimit`), to reach it in a test.
            init(
                _ name: String, upArgs: [String] = ["--rate-limit", "0"], environment: [String: String] = [:],
                openFiles: Int? = nil, prepare: (String) throws -> Void = { _ in }
            ) throws {
                dir = Harness.tempDir(name)
                try prepare(dir)
                busPort = Harness.freePorts(3)
                rpcBase = Harness.freePorts(41)
                httpPort = Harness.freePorts(1)
                let command = [
                    "up", "--data-dir", "\(dir)/data", "--bus-port", "\(busPort)", "--rpc-base", "\(rpcBase)",
                    "--http-port", "\(httpPort)", "--shards", "2", "--restart-delay", "3", "--no-color",
                ]
                up =
                    if let openFiles {
                        Child(
                            "up", "/usr/bin/prlimit",
                            ["--nofile=\(openFiles):\(openFiles)", (Harness.binDir as NSString).appendingPathComponent("posy")] + command
                                + upArgs, logDir: dir, environment: Self.withConsent(environment))
                    } else {
                        Child("up", "posy", command + upArgs, logDir: dir, environment: Self.withConsent(environment))
                    }
                try up.start()
            }

            static func withConsent(_ environment: [String: String]) -> [String: String] {
                environment.merging(["POSY_LOCATION_CONSENT": "external"]) { given, _ in given }
            }

            /// A tool's flags for this suite; the data directory last (some callers drop it).
            var busArgs: [String] {
                [
                    "--bus-pub", "tcp://127.0.0.1:\(busPort)", "--bus-sub", "tcp://127.0.0.1:\(busPort + 1)", "--keys-dir", keysDir,
                    "--data-dir", "\(dir)/data",
                ]
            }

            /// Signs tokens with the suite's generated secret, as `posy token` would.
            func signer() throws -> TokenSigner {
                TokenSigner(
                    secret: try String(contentsOfFile: "\(dir)/data/secret", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines))
            }

            var config: ServiceConfig {
                var c = ServiceConfig()
                c.busPub = "tcp://127.0.0.1:\(busPort)"
                c.busSub = "tcp://127.0.0.1:\(busPort + 1)"
                c.rpc = "tcp://127.0.0.1:*"
                c.dataDir = "\(dir)/it"
                c.keysDir = keysDir
                c.logLevel = .warning
                return c
            }

            /// The keys `posy up` created for the suite.
            var keysDir: String { "\(dir)/data/keys" }

            /// A connection's CURVE role to a socket bound by `server`, proving itself as `identity`.
            func curve(to server: String, as identity: String = "cli") throws -> ZMQCurve? {
                try BusSecurity(keyring: SuiteKeyring.load(directory: keysDir, identity: identity)).client(of: server)
            }

            /// `/healthz` as an admin sees it (every instance); the public answer is only `{"status"}`.
            func health() async -> (Int, [String: Any]) {
                let admin = try? signer().mint(sub: "ops", role: .admin, ttl: 600)
                let (status, body) = await Harness.http("GET", "http://127.0.0.1:\(httpPort)/healthz", token: admin)
                return (status, body as? [String: Any] ?? [:])
            }

            func row(_ health: [String: Any], _ instance: String) -> [String: Any]? {
                (health["services"] as? [[String: Any]])?.first { $0["instance"] as? String == instance }
            }

            func waitHealthy(_ timeout: Duration = .seconds(30)) async -> Bool {
                await Harness.waitFor(timeout, poll: .milliseconds(200)) { await health().0 == 200 }
            }

            func stop() async -> Bool {
                let ok = await up.terminate(grace: .seconds(20))
                return ok
            }
        }

        @Test(.timeLimit(.minutes(3)))
        func upHealthPingAndRecoveryFromSIGKILL() async throws {
            let suite = try Suite("suite")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let (status, health) = await suite.health()
            #expect(status == 200)
            for name in suite.instances + ["gateway"] {
                let row = suite.row(health, name)
                #expect(row?["status"] as? String == "ok", "\(name): \(String(describing: row))")
                #expect(row?["version"] as? String == PosyVersion.current)
                #expect(row?["lastHeartbeat"] is String)
            }
            // The public health answer says only whether the suite is up; metrics need an admin.
            let (_, publicBody) = await Harness.get("http://127.0.0.1:\(suite.httpPort)/healthz")
            #expect(String(decoding: publicBody, as: UTF8.self) == #"{"status":"ok"}"#)
            #expect(await Harness.get("http://127.0.0.1:\(suite.httpPort)/metrics").0 == 401)
            let staff = try suite.signer().mint(sub: "st1", role: .staff, shop: "s1", ttl: 600)
            #expect(await Harness.http("GET", "http://127.0.0.1:\(suite.httpPort)/metrics", token: staff).0 == 403)
            var metricsRequest = URLRequest(url: URL(string: "http://127.0.0.1:\(suite.httpPort)/metrics")!)
            metricsRequest.setValue(
                "Bearer \(try suite.signer().mint(sub: "ops", role: .admin, ttl: 600))", forHTTPHeaderField: "Authorization")
            let (metrics, metricsResponse) = try #require(await Harness.data(for: metricsRequest))
            #expect((metricsResponse as? HTTPURLResponse)?.statusCode == 200)
            let text = String(decoding: metrics, as: UTF8.self)
            #expect(text.contains(#"posy_up{instance="orders",service="orders"} 1"#))
            #expect(text.contains("# TYPE posy_rpc_seconds histogram"))

            // posy tail shows the durable traffic that ping causes.
            let tail = Child("tail", "posy", ["tail", "sys.probe", "--count", "3"] + suite.busArgs, logDir: suite.dir)
            try tail.start()
            try await Task.sleep(for: .milliseconds(500))
            // posy ping reaches every service; posy status sees them all healthy.
            let (pingStatus, pingOut) = try await Harness.run(
                "posy", ["ping", "--expect", suite.stores.joined(separator: ","), "--timeout", "20"] + suite.busArgs)
            #expect(pingStatus == 0, "\(pingOut)")
            for name in suite.stores { #expect(pingOut.contains(name)) }
            // A pyzmq peer working from docs/protocol.md alone: reads, calls, and publishes a durable event.
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/pyzmq_peer.py").path
            let (pyStatus, pyOut) = try await Harness.run(
                path: "python3",
                [
                    script, "--bus-sub", "tcp://127.0.0.1:\(suite.busPort + 1)", "--bus-pub", "tcp://127.0.0.1:\(suite.busPort)",
                    "--keys-dir", suite.keysDir,
                    "--expect", suite.stores.joined(separator: ","),
                ])
            #expect(pyStatus == 0, "\(pyOut)")
            #expect(await Harness.waitFor(.seconds(5)) { !tail.isRunning }, "tail did not see 3 probe events")
            #expect(tail.log.contains("sys.probe cli#") && tail.log.contains("sys.probe.ack"), "\(tail.log)")
            let (statusCode, statusOut) = try await Harness.run("posy", ["status"] + suite.busArgs)
            #expect(statusCode == 0, "\(statusOut)")
            #expect(statusOut.contains("messaging-2"))
            // Each process's resident memory, as it reports it, and the suite's in all.
            #expect(
                statusOut.contains("RSS in all: ") && statusOut.contains("PSS in all: ")
                    && statusOut.contains("(8 of 8 processes reporting)"),
                "\(statusOut)")

            // A durable probe sender of our own, kept running so that it can answer replay.
            let acks = Locked<[ProbeAck]>([])
            let host = try await ServiceHost.make(
                ServiceDescriptor(
                    service: "cli", instance: "cli-probe", defaultRPCPort: 0, migrations: [], answersProbes: false,
                    startAt: .latest),
                config: suite.config)
            host.on(Topic.probeAck) { _, e in
                let ack = try e.decode(ProbeAck.self)
                acks.withLock { $0.append(ack) }
            }
            try await ServiceHost.withRunning(host) { host in
                #expect(await host.waitForBus())
                try await Task.sleep(for: .milliseconds(1500))  // hear every service's heartbeat
                let oldPid = try #require(suite.row(await suite.health().1, "orders")?["pid"] as? Int)
                kill(Int32(oldPid), SIGKILL)
                #expect(await Harness.waitFor(.seconds(2), poll: .milliseconds(10)) { kill(Int32(oldPid), 0) != 0 })
                // Published while orders is down (posy up waits 3 s before restarting it).
                let probeId = UUID().uuidString
                let sentAt = Date()
                try await host.store!.write { db in
                    _ = try host.events!.emit(db, topic: Topic.probe, payload: Probe(id: probeId, sentAt: Timestamp.now()))
                }
                // Healthy again with a new orders process (/healthz may answer from its one-second cache
                // right after the kill, so the wait is for the new pid, not for the first 200).
                let recovered = await Harness.waitFor(.seconds(30), poll: .milliseconds(200)) {
                    let (status, health) = await suite.health()
                    return status == 200 && (suite.row(health, "orders")?["pid"] as? Int).map { $0 != oldPid } == true
                }
                #expect(recovered, "suite did not recover:\n\(suite.up.log.suffix(3000))")
                #expect(suite.up.log.contains("orders exited (signal 9)"))
                // The restarted orders started after the probe was sent...
                let started = host.directory.peer("orders").flatMap { Timestamp.parse($0.heartbeat.startedAt) }
                #expect(started.map { $0 > sentAt } == true, "orders was not down when the probe was sent")
                // ...and applied it exactly once (and so did everyone else).
                let all = await Harness.waitFor(.seconds(30)) {
                    Set(acks.value.filter { $0.probeId == probeId }.map(\.instance)) == Set(suite.stores)
                }
                #expect(all, "acks: \(acks.value.filter { $0.probeId == probeId }.map(\.instance))")
                try await Task.sleep(for: .milliseconds(2500))
                let mine = acks.value.filter { $0.probeId == probeId }
                #expect(mine.count == suite.stores.count, "an ack came twice: \(mine.map(\.instance))")
                #expect(mine.allSatisfy { $0.appliedCount == 1 })
                let rows = try Harness.query("\(suite.dir)/data/orders.db", "SELECT applied_count FROM probes WHERE id = '\(probeId)'")
                #expect(rows.count == 1 && rows[0].int(0) == 1)
            }
            // Ctrl-C stops everything cleanly.
            let pids = ((await suite.health().1["services"] as? [[String: Any]]) ?? []).compactMap { $0["pid"] as? Int }
            kill(suite.up.pid!, SIGINT)
            #expect(await Harness.waitFor(.seconds(20)) { !suite.up.isRunning })
            #expect(pids.count >= 8)
            #expect(pids.allSatisfy { kill(Int32($0), 0) != 0 }, "a child outlived posy up")
            #expect(suite.up.log.contains("stopped"))
        }

        /// A suite with nothing to do uses almost no CPU: every loop waits for work or a due time
        /// instead of polling (docs/architecture.md, "Idle costs nothing").
        @Test(.timeLimit(.minutes(2)))
        func idleSuiteCostsAlmostNothing() async throws {
            let suite = try Suite("idle")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            try await Task.sleep(for: .seconds(2))  // past start-up (migrations, first heartbeats)
            // Each store's transactions, from the gateway's metrics: a sweep with nothing due writes nothing.
            let admin = "Bearer \(try suite.signer().mint(sub: "ops", role: .admin, ttl: 600))"
            func transactions() async -> [Substring] {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(suite.httpPort)/metrics")!)
                request.setValue(admin, forHTTPHeaderField: "Authorization")
                let body = await Harness.data(for: request)?.0 ?? Data()
                return String(decoding: body, as: UTF8.self).split(separator: "\n").filter {
                    $0.hasPrefix("posy_store_transactions_total{")
                }
            }
            let transactionsBefore = await transactions()
            #expect(transactionsBefore.count == suite.stores.count, "\(transactionsBefore)")
            let (code, out) = try await Harness.run("posy", ["status", "--cpu", "10", "--json"] + suite.busArgs)
            #expect(await transactions() == transactionsBefore, "a store wrote while the suite was idle")
            #expect(code == 0, "\(out)")
            struct Row: Decodable {
                var instance: String
                var cpuPercent: Double?
                var rssBytes: Int64?
                var pssBytes: Int64?
            }
            let json = out.split(separator: "\n").first { $0.hasPrefix("[") }.map(String.init) ?? "[]"
            let rows = try JSONDecoder().decode([Row].self, from: Data(json.utf8))
            #expect(Set(rows.map(\.instance)) == Set(suite.instances + ["gateway"]), "\(out)")
            for row in rows {
                let cpu = try #require(row.cpuPercent, "\(row.instance): no CPU figure")
                // Idle, each process costs well under 1 % of a core here; 5 % leaves room for a loaded CI machine.
                #expect(cpu < 5, "\(row.instance) used \(cpu) % of a core while idle")
                // Every process says how much memory it holds (at rest beside the other tests, its figure says nothing more).
                #expect((row.rssBytes ?? 0) > 1 << 20, "\(row.instance): rss \(String(describing: row.rssBytes))")
                #expect((row.pssBytes ?? 0) > 0 && (row.pssBytes ?? 0) <= (row.rssBytes ?? 0), "\(row.instance): pss of rss")
            }
            #expect(await suite.stop())
        }

        @Test(.timeLimit(.minutes(2)))
        func childrenStopWhenPosyUpIsKilled() async throws {
            let suite = try Suite("orphans")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let pids = ((await suite.health().1["services"] as? [[String: Any]]) ?? []).compactMap { $0["pid"] as? Int }
            #expect(pids.count >= 8)
            suite.up.kill()  // SIGKILL: no chance to stop its children itself
            // Each child notices within half a second, then stops gracefully: its last step is its
            // store's final checkpoint, an fsync, which the other lanes' disk writes can hold for seconds.
            let gone = await Harness.waitFor(.seconds(30)) { pids.allSatisfy { kill(Int32($0), 0) != 0 } }
            let left = pids.filter { kill(Int32($0), 0) == 0 }
            // What a child still alive is and where its threads wait, for the next look at a failure.
            let stuck = left.map { pid in
                let command =
                    (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?
                    .replacingOccurrences(of: "\0", with: " ").prefix(120) ?? ""
                let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
                let waits = tasks.map { t in
                    let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/comm", encoding: .utf8)) ?? "?"
                    let wchan = (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/wchan", encoding: .utf8)) ?? "?"
                    return "\(name.trimmingCharacters(in: .whitespacesAndNewlines))@\(wchan)"
                }
                return "\(pid) \(command): \(waits.joined(separator: ", "))"
            }
            #expect(gone, "orphans:\n\(stuck.joined(separator: "\n"))")
        }

        @Test(.timeLimit(.minutes(3)))
        func garbageOnTheBusAndAtEveryRPCEndpointIsRefusedWithoutHarm() async throws {
            let suite = try Suite("garbage")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let health = await suite.health().1
            var endpoints: [String: String] = [:]
            var services: [String: String] = [:]
            var pids: [String: Int] = [:]
            for name in suite.instances + ["gateway"] {
                endpoints[name] = suite.row(health, name)?["rpc"] as? String
                services[name] = suite.row(health, name)?["service"] as? String
                pids[name] = suite.row(health, name)?["pid"] as? Int
            }
            #expect(endpoints.count == suite.instances.count + 1)

            // RPC: every endpoint answers each kind of garbage with a stable error code.
            var junk = Data(count: 1 << 20)
            junk.withUnsafeMutableBytes { p in for i in 0..<p.count { p[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) } }
            let validEnvelope = EnvelopeCodec.encode(
                Envelope(src: "cli-garbage", epoch: "e", seq: 1, type: "sys.probe", data: Data("[1,2]".utf8)))
            let cases: [([Data], ErrorCode)] = [
                ([Data("only-one-frame".utf8)], .badFrames),  // its one frame is taken as the request id
                ([Data("r1".utf8), Data("health".utf8)], .badFrames),
                ([Data("r2".utf8), Data("health".utf8), Data("{}".utf8), Data("extra".utf8)], .badFrames),
                ([Data("r3".utf8), Data("no.such.method".utf8), Data("{}".utf8)], .unknownMethod),
                ([Data("r4".utf8), junk, junk], .unknownMethod),
                ([Data("r5".utf8), Data(RPCMethod.eventsReplay.name.utf8), Data("not json".utf8)], .badRequest),
                ([Data("r6".utf8), Data(RPCMethod.eventsReplay.name.utf8), validEnvelope], .badRequest),
            ]
            for (name, endpoint) in endpoints.sorted(by: { $0.key < $1.key }) {
                var authenticated = ZMQSocketOptions()
                authenticated.curve = try suite.curve(to: try #require(services[name]))
                let dealer = try await ZMQSocket.open(.dealer, connect: [endpoint], options: authenticated)
                for (frames, expected) in cases {
                    try await dealer.send(frames)
                    let reply = await withTaskGroup(of: [Data]?.self) { g in
                        g.addTask { await dealer.inbox.next() }
                        g.addTask {
                            try? await Task.sleep(for: .seconds(3))
                            return nil
                        }
                        let r = await g.next()!
                        g.cancelAll()
                        return r
                    }
                    #expect(reply?.first == frames[0], "\(name): reply to another request")
                    let code = reply.flatMap { $0.count == 3 ? try? JSON.decode(PosyError.self, from: $0[2]).code : nil }
                    // Stateless processes have no events.replay: unknown_method is their right answer.
                    let acceptable: Set<ErrorCode> =
                        ["bus", "gateway"].contains(name) && frames.count == 3
                            && String(decoding: frames[1], as: UTF8.self) == RPCMethod.eventsReplay.name ? [.unknownMethod] : [expected]
                    #expect(
                        code.map(acceptable.contains) == true,
                        "\(name) answered \(String(describing: code)) to \(frames.count) frames, expected \(expected)")
                }
                await dealer.close()
            }

            // Bus: garbage of every shape on durable and heartbeat topics.
            var publisher = ZMQSocketOptions()
            publisher.curve = try suite.curve(to: "bus")
            let pub = try await ZMQSocket.open(.pub, connect: ["tcp://127.0.0.1:\(suite.busPort)"], options: publisher)
            try await Task.sleep(for: .milliseconds(500))
            let garbage: [[Data]] = [
                [Data("sys.probe".utf8)],
                [Data("sys.probe".utf8), Data("not json".utf8)],
                [Data("sys.probe".utf8), junk],
                [Data("sys.probe".utf8), validEnvelope, Data("third".utf8)],
                [Data("sys.probe".utf8), validEnvelope],  // a valid envelope whose payload is not a Probe
                [
                    Data(Topic.heartbeat.utf8),
                    EnvelopeCodec.encode(Envelope(src: "evil", epoch: "", seq: 0, type: Topic.heartbeat, data: Data("{}".utf8))),
                ],
                [junk, junk],
            ]
            for _ in 0..<3 {
                pub.post(garbage)
                try await Task.sleep(for: .milliseconds(200))
            }
            try await Task.sleep(for: .seconds(1))
            await pub.close()

            // Everyone still up (same pids), healthy, and the bus still carries durable events end to end.
            #expect(await suite.waitHealthy(.seconds(10)))
            let after = await suite.health().1
            for (name, pid) in pids {
                #expect(suite.row(after, name)?["pid"] as? Int == pid, "\(name) restarted or died")
            }
            let (pingStatus, pingOut) = try await Harness.run(
                "posy", ["ping", "--expect", suite.stores.joined(separator: ","), "--timeout", "20"] + suite.busArgs)
            #expect(pingStatus == 0, "\(pingOut)")
            // The bus let through only the well-formed envelope under the publisher's own name…
            let proxy = try await RPCClient.withClient("tcp://127.0.0.1:\(suite.busPort + 2)", curve: try suite.curve(to: ServiceName.bus))
            {
                try await $0.call(RPCMethod.busProxy, EmptyBody())
            }
            #expect(proxy.frontendMessagesRefused >= 18, "\(proxy)")
            // …and the wrong-type durable event among them was set aside, once, not applied.
            let dead = try Harness.query("\(suite.dir)/data/orders.db", "SELECT COUNT(*) FROM dead_events WHERE src = 'cli-garbage'")
            #expect(dead.first?.int(0) == 1)
            #expect(await suite.stop())
        }
    }
}
