import ArgumentParser
import Foundation
import PosyCore
import PosySchema
import PosyStore

/// `posy dev sink`: a durable subscriber (of `test.` events unless `--topic`) that records every application in
/// `effects` (one row per application, never deduplicated by the table), so a test can prove each
/// event was applied exactly once and in order.
public struct SinkCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "sink", abstract: "Apply durable test events.")

    @OptionGroup var options: ServiceOptions
    @Option(name: .customLong("instance")) var instance = "sink"
    @Option(name: .customLong("rcvhwm"), help: "SUB high-water mark.") var rcvhwm: Int32 = 100_000
    @Option(name: .customLong("inbox"), help: "In-process inbox capacity.") var inbox = 10_000
    @Option(name: .customLong("apply-delay-us"), help: "Extra time per applied event (a slow consumer).") var applyDelay: UInt32 = 0
    @Option(name: .customLong("topic"), help: "Subscription pattern (default test.).") var topic = "test."

    public init() {}

    public static let migrations = [
        Migration(
            2, "sink: effects",
            """
            CREATE TABLE effects (id INTEGER PRIMARY KEY AUTOINCREMENT, src TEXT NOT NULL, topic TEXT NOT NULL,
                                  seq INTEGER NOT NULL, n INTEGER NOT NULL);
            """)
    ]

    public func run() async throws {
        var descriptor = ServiceDescriptor(
            service: "sink", instance: instance, defaultRPCPort: 0,
            migrations: Self.migrations, answersProbes: false)
        descriptor.receiveHighWaterMark = rcvhwm
        descriptor.inboxCapacity = inbox
        let delay = applyDelay
        let pattern = topic
        try await ServiceMain.run(descriptor, config: try options.config()) { host in
            host.on(pattern) { db, e in
                // Test events carry their number n; any other event is recorded by its seq.
                let n = PayloadScanner.int("n", in: e.data) ?? e.seq
                try db.run("INSERT INTO effects(src, topic, seq, n) VALUES (?, ?, ?, ?)", e.src, e.type, e.seq, n)
                if delay > 0 { usleep(delay) }
            }
            return []
        }
    }
}
