import ArgumentParser
import Foundation
import PosyCore
import PosySchema

/// `posy ping`: a durable probe every service must apply and acknowledge — an end-to-end check of
/// the bus, each service's subscriber and outbox, and replay (a service that is down when the probe
/// is sent gets it by replay once it is back, as long as this command is still waiting).
public struct PingCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ping", abstract: "Send a durable probe; print each service's round trip (exit 1 if one does not answer).")

    @OptionGroup var bus: BusOptions
    @Option(
        name: .customLong("expect"),
        help: "Comma-separated instances that must answer (default: every service with a store that heartbeats).")
    var expect: String?
    @Option(name: .customLong("timeout"), help: "Seconds to wait for every acknowledgement (default 10).")
    var timeout: Double = 10
    @Option(name: .customLong("listen"), help: "Seconds to listen for heartbeats before sending (default 1.5).")
    var listen: Double = 1.5

    public init() {}

    struct Ack: Sendable {
        let roundTrip: Double
        let appliedCount: Int
    }

    public func run() async throws {
        let options = try bus.config()
        PosyLogHandler.bootstrap(level: options.logLevel)
        let probeId = UUID().uuidString.lowercased()
        let acks = Locked<[String: Ack]>([:])
        let sent = Locked<ContinuousClock.Instant?>(nil)
        let host = try await ServiceHost.make(
            ServiceDescriptor(
                service: ServiceName.cli, instance: ServiceName.cli, defaultRPCPort: 0, migrations: [], storeFile: "cli.db",
                answersProbes: false, startAt: .latest),
            config: options)
        host.on(SystemEvents.probeAck) { db, _, ack in
            guard ack.probeId == probeId else { return }
            db.onCommit {
                let rtt = sent.value.map { (ContinuousClock.now - $0).seconds } ?? 0
                acks.withLock { $0[ack.instance] = Ack(roundTrip: rtt, appliedCount: ack.appliedCount) }
            }
        }
        let expectList = expect
        let listen = self.listen
        let timeout = self.timeout
        let expected: [String] = try await ServiceHost.withRunning(host) { host in
            guard await host.waitForBus(timeout: .seconds(5)) else {
                throw ValidationError("no heartbeat came back through the bus at \(options.busSub): is posy-bus running?")
            }
            try await Task.sleep(for: .milliseconds(Int(listen * 1000)))
            let expected =
                expectList.map { $0.split(separator: ",").map(String.init) }
                ?? host.directory.alive().filter { !$0.heartbeat.epoch.isEmpty && $0.heartbeat.service != ServiceName.cli }
                .map(\.heartbeat.instance)
            guard let events = host.events, let store = host.store else { return expected }
            sent.withLock { $0 = .now }
            try await store.write { db in
                try events.emit(db, SystemEvents.probe, Probe(id: probeId, sentAt: Timestamp.now()), trace: probeId)
            }
            let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
            while ContinuousClock.now < deadline {
                let have = acks.value
                if expected.allSatisfy({ have[$0] != nil }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return expected
        }
        let have = acks.value
        var rows = [["INSTANCE", "ROUND TRIP", "APPLIED"]]
        for name in Set(expected).union(have.keys).sorted() {
            if let a = have[name] {
                rows.append([name, String(format: "%.1f ms", a.roundTrip * 1000), "\(a.appliedCount)x"])
            } else {
                rows.append([name, "no ack within \(timeout) s", "-"])
            }
        }
        print("probe \(probeId)")
        print(TextTable.render(rows))
        if expected.isEmpty { print("no services with a store are heartbeating") }
        if expected.isEmpty || expected.contains(where: { have[$0] == nil }) { throw ExitCode(1) }
    }
}
