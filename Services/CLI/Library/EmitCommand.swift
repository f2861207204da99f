import ArgumentParser
import Foundation
import PosyCore
import PosySchema
import ServiceLifecycle

/// `posy dev emit`: a durable publisher of `test.t<k>` events, payload `{"n":…,"t":…}`. It resumes
/// after a crash from its own outbox (the sum of the test topics' heads), so across restarts it
/// emits exactly `--count` events in all, then keeps serving replay until stopped.
public struct EmitCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "emit", abstract: "Emit durable test events.")

    @OptionGroup var options: ServiceOptions
    @Option(name: .customLong("instance")) var instance = "loadgen"
    @Option(name: .customLong("count")) var count = 20_000
    @Option(name: .customLong("topics")) var topics = 4
    @Option(name: .customLong("rate"), help: "Events per second (0: as fast as possible).") var rate = 2_000.0
    @Option(name: .customLong("batch"), help: "Events per transaction.") var batch = 20
    @Option(name: .customLong("pad"), help: "Bytes of padding per payload.") var pad = 0

    public init() {}

    public func run() async throws {
        let me = self
        try await ServiceMain.run(
            ServiceDescriptor(service: "loadgen", instance: instance, defaultRPCPort: 0, migrations: [], answersProbes: false),
            config: try options.config()
        ) { host in
            [Emitter(host: host, count: me.count, topics: me.topics, rate: me.rate, batch: me.batch, pad: me.pad)]
        }
    }

    struct Emitter: Service {
        let host: ServiceHost
        let count: Int
        let topics: Int
        let rate: Double
        let batch: Int
        let pad: Int

        func run() async throws {
            guard let store = host.store, let events = host.events else { return }
            var emitted = events.currentHeads.filter { $0.key.hasPrefix("test.") }.values.reduce(0, +)
            host.logger.info("emitter resuming", metadata: ["emitted": "\(emitted)", "target": "\(count)"])
            let padding = String(repeating: "x", count: pad)
            let start = ContinuousClock.now
            let startCount = emitted
            while emitted < count {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                let n = min(Int64(batch), Int64(count) - emitted)
                let first = emitted
                try await store.write { db in
                    for i in first..<(first + n) {
                        let t = DispatchTime.now().uptimeNanoseconds
                        let data = Data(#"{"n":\#(i),"t":\#(t),"pad":"\#(padding)"}"#.utf8)
                        try events.emit(db, topic: "test.t\(i % Int64(topics))", data: data)
                    }
                }
                emitted += n
                if rate > 0 {
                    let due = start + .milliseconds(Int(Double(emitted - startCount) / rate * 1000))
                    if due > .now { try await Task.sleep(until: due) }
                }
            }
            host.logger.info("emit complete", metadata: ["count": "\(emitted)"])
            try? await gracefulShutdown()
        }
    }
}
