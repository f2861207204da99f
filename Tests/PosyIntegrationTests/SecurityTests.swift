import Foundation
import PosyCore
import PosySchema
import PosyZMQ
import Testing

extension FaultIntegration {
    /// Zero trust inside the suite, tried from outside with pyzmq (docs/protocol.md, "Security"):
    /// without a key the suite issued, the bus and every RPC port are closed; with another service's
    /// key, nobody else is impersonated.
    @Suite(.serialized) struct SecurityTests {
        @Test(.timeLimit(.minutes(3)))
        func withoutAnIssuedKeyTheSuiteIsClosedAndWithOneNobodyIsImpersonated() async throws {
            let suite = try Integration.SuiteTests.Suite("intruder")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            // The suite's own view of probe acknowledgements, to see whether a forged probe was applied.
            var listening = ZMQSocketOptions()
            listening.curve = try suite.curve(to: ServiceName.bus)
            listening.subscriptions = [Topic.probeAck]
            let acks = try await ZMQSocket.open(.sub, connect: ["tcp://127.0.0.1:\(suite.busPort + 1)"], options: listening)
            let heard = Locked<[String]>([])
            let listener = Task {
                while let batch = await acks.inbox.next(max: 64) {
                    for frames in batch where frames.count == 2 {
                        if let ack = try? EnvelopeCodec.decode(frames[1]).decode(ProbeAck.self) {
                            heard.withLock { $0.append(ack.probeId) }
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(500))

            var forged: [String] = []
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/intruder.py").path
            for key in ["none", "stranger", "issued"] {
                let (status, out) = try await Harness.run(
                    path: "python3",
                    [
                        script, "--bus-sub", "tcp://127.0.0.1:\(suite.busPort + 1)", "--bus-pub", "tcp://127.0.0.1:\(suite.busPort)",
                        "--rpc", "tcp://127.0.0.1:\(suite.rpcBase)", "--public-keys", suite.keysDir, "--key", key,
                        "--identity", ServiceName.location,
                    ], timeout: .seconds(60))
                #expect(status == 0, "\(out)")
                let report = try #require(Harness.report(out), "no report in:\n\(out)")
                forged.append(try #require(report["probe"] as? String))
                #expect(report["forgedSeen"] as? Int == 0, "\(key): the bus forwarded a forged message: \(report)")
                #expect(report["pushesSeen"] as? Int == 0, "\(key): read pushes meant for people: \(report)")
                if key == "issued" {
                    // posy-location's own key: it is location, and only location. It reads the bus and
                    // says what location may say; it is no admin and speaks for nobody else.
                    let codes = report["rpcCodes"] as? [String: String] ?? [:]
                    #expect(codes[OrdersRPC.list.name] == ErrorCode.callerNotPermitted.rawValue, "\(report)")
                    #expect(codes[RPCMethod.health.name] == "ok", "\(report)")
                    #expect((report["ownSeen"] as? Int ?? 0) > 0, "the control message under its own name never came back: \(report)")
                } else {
                    #expect(report["busMessages"] as? Int == 0, "\(key): read the bus: \(report)")
                    #expect(report["rpcReplies"] as? Int == 0, "\(key): answered over RPC: \(report)")
                }
            }
            // The suite's own tool, with its issued key, is acknowledged; the forged probes never were.
            let (pingStatus, pingOut) = try await Harness.run("posy", ["ping", "--expect", "orders", "--timeout", "20"] + suite.busArgs)
            #expect(pingStatus == 0, "\(pingOut)")
            try await Task.sleep(for: .seconds(1))
            #expect(!heard.value.isEmpty, "no acknowledgement heard at all: the listener proves nothing")
            #expect(heard.value.allSatisfy { !forged.contains($0) }, "a forged probe was applied")
            listener.cancel()
            await acks.close()

            // The refusals are counted where they happened.
            let orders = try await RPCClient.withClient("tcp://127.0.0.1:\(suite.rpcBase)", curve: try suite.curve(to: ServiceName.orders))
            {
                try await $0.call(RPCMethod.stats, EmptyBody())
            }
            #expect((orders.counters["zap_refused"] ?? 0) >= 1, "\(orders.counters)")
            let bus = try await RPCClient.withClient("tcp://127.0.0.1:\(suite.busPort + 2)", curve: try suite.curve(to: ServiceName.bus)) {
                try await $0.call(RPCMethod.stats, EmptyBody())
            }
            #expect((bus.counters["zap_refused"] ?? 0) >= 2, "\(bus.counters)")
            #expect((orders.counters["rpc_refused"] ?? 0) >= 1, "\(orders.counters)")
            let proxy = try await RPCClient.withClient("tcp://127.0.0.1:\(suite.busPort + 2)", curve: try suite.curve(to: ServiceName.bus))
            {
                try await $0.call(RPCMethod.busProxy, EmptyBody())
            }
            #expect(proxy.frontendMessagesRefused >= 3, "\(proxy)")
            // location's key subscribed to everything: refused, so no push to a person could reach it.
            #expect(proxy.backendSubscriptionsRefused >= 1, "\(proxy)")
            // The forged heartbeat moved nothing: orders is still reached where it really is.
            let (again, againOut) = try await Harness.run("posy", ["ping", "--expect", "orders", "--timeout", "20"] + suite.busArgs)
            #expect(again == 0, "\(againOut)")
            // A tool with a key the suite never issued is told so, rather than seeing an empty suite.
            let foreign = "\(suite.dir)/foreign-keys"
            try SuiteKeyring.create(directory: foreign, identities: [ServiceName.cli])
            try FileManager.default.copyItem(atPath: "\(suite.keysDir)/bus.pub", toPath: "\(foreign)/bus.pub")
            let (_, statusOut) = try await Harness.run(
                "posy", ["status", "--bus-sub", "tcp://127.0.0.1:\(suite.busPort + 1)", "--keys-dir", foreign], timeout: .seconds(30))
            #expect(statusOut.contains("refused this tool's key"), "\(statusOut)")
            // A process may not take a name its identity does not own: it says so and stops.
            try SuiteKeyring.create(directory: suite.keysDir, identities: ["sink"])
            let (misnamed, misnamedOut) = try await Harness.run(
                "posy", ["dev", "sink", "--instance", "orders-sink"] + suite.busArgs.dropLast(2) + ["--data-dir", "\(suite.dir)/sink"],
                timeout: .seconds(20))
            #expect(misnamed != 0 && misnamedOut.contains("instance 'orders-sink' is not 'sink'"), "\(misnamed): \(misnamedOut)")
            #expect(await suite.waitHealthy(.seconds(5)))
            #expect(await suite.stop())
        }
    }
}
