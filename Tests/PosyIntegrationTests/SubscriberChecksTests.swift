import Foundation
import PosyCore
import PosySchema
import PosyZMQ
import Testing

extension Integration {
    /// The second line (docs/protocol.md, "Who may say what"): a durable subscriber checks what it
    /// would apply even when a bus lets everything through. Here the test is that bus — a forwarder
    /// with the bus's key and no gate — and posy-orders, unchanged, is the subscriber.
    @Suite(.serialized) struct SubscriberChecksTests {
        @Test(.timeLimit(.minutes(2)))
        func aSubscriberRefusesEventsFromUnissuedSourcesAndOnTopicsNotTheirs() async throws {
            let dir = Harness.tempDir("second-line")
            let rogue = try await TestBus(dir: dir, identities: [ServiceName.orders, ServiceName.notify, ServiceName.cli])
            let keysDir = rogue.keysDir
            let rpcPort = Harness.freePorts(1)
            let orders = try Child(
                "orders", "posy-orders",
                [
                    "--bus-pub", rogue.pub, "--bus-sub", rogue.sub, "--rpc", "tcp://127.0.0.1:\(rpcPort)",
                    "--data-dir", "\(dir)/data", "--keys-dir", keysDir,
                ], logDir: dir
            ).start()
            defer { orders.kill() }

            // Published with notify's issued key straight into the gate-less forwarder.
            let notify = BusSecurity(keyring: try SuiteKeyring.load(directory: keysDir, identity: ServiceName.notify))
            var p = ZMQSocketOptions()
            p.curve = try notify.client(of: ServiceName.bus)
            let pub = try await ZMQSocket.open(.pub, connect: [rogue.pub], options: p)
            let epoch = String(repeating: "e", count: 32)
            let ghostProbe = UUID().uuidString
            let ownProbe = UUID().uuidString
            func message(_ src: String, _ topic: String, _ payload: some Encodable) throws -> [Data] {
                [Data(topic.utf8), EnvelopeCodec.encode(try Envelope.make(src: src, epoch: epoch, seq: 1, type: topic, payload: payload))]
            }
            let forged = [
                // A source the suite never issued a key to.
                try message("ghost", Topic.probe, Probe(id: ghostProbe, sentAt: Timestamp.now())),
                // A topic that is receipts' alone, under notify's own name.
                try message("notify-x", ReceiptsEvents.proofAccepted.topic, ["orderId": "o-forged"]),
            ]
            // The control: notify may publish a probe under its own name, and it is applied.
            let control = try message("notify-probe", Topic.probe, Probe(id: ownProbe, sentAt: Timestamp.now()))
            let applied = await Harness.waitFor(.seconds(30), poll: .milliseconds(250)) {
                pub.post(forged + [control])
                let rows = try? Harness.query("\(dir)/data/orders.db", "SELECT COUNT(*) FROM probes WHERE id = '\(ownProbe)'")
                return rows?.first?.int(0) == 1
            }
            #expect(applied, "the control probe never arrived: the test would prove nothing\n\(orders.log.suffix(2000))")
            let cli = BusSecurity(keyring: try SuiteKeyring.load(directory: keysDir, identity: ServiceName.cli))
            let stats = try await RPCClient.withClient("tcp://127.0.0.1:\(rpcPort)", curve: try cli.client(of: ServiceName.orders)) {
                try await $0.call(RPCMethod.stats, EmptyBody())
            }
            #expect((stats.counters["events_refused"] ?? 0) >= 2, "\(stats.counters)")
            let ghost = try Harness.query("\(dir)/data/orders.db", "SELECT COUNT(*) FROM probes WHERE id = '\(ghostProbe)'")
            #expect(ghost.first?.int(0) == 0, "a probe from an unissued source was applied")
            let dead = try Harness.query("\(dir)/data/orders.db", "SELECT COUNT(*) FROM dead_events WHERE src = 'notify-x'")
            #expect(dead.first?.int(0) == 0, "the forged proof reached the handler")
            await pub.close()
            orders.kill()
            await rogue.stop()
        }
    }
}
