import ArgumentParser
import Foundation
import PosyCLI
import PosyCore

/// `posy bench streams`: what idle live streams cost the gateway — RSS per stream and CPU while
/// nothing happens. Bus, orders, location, receipts and the gateway run here (``BenchSuite``); this
/// process opens `--count` staff streams (`GET /v1/stream`, no client pings, as browsers), waits
/// for each one's `stream.open`, lets them settle, and measures the gateway's RSS against the same
/// gateway before, then its CPU over `--idle` seconds with every stream open and nothing to say.
public struct StreamsBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "streams", abstract: "Benchmark idle live streams: the gateway's memory per stream and CPU at rest.")

    @Option(help: "Streams to hold open (this process and the gateway each need a descriptor per stream).") var count = 10_000
    @Option(help: "Seconds the streams stay idle while the gateway's CPU is measured.") var idle = 30
    @Option(help: "Streams being opened at once.") var concurrency = 200
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard (1...100_000).contains(count) else { throw ValidationError("--count 1…100000") }
        guard (5...3600).contains(idle) else { throw ValidationError("--idle 5…3600 seconds") }
        guard (1...2_000).contains(concurrency) else { throw ValidationError("--concurrency 1…2000") }
    }

    public func run() async throws {
        Allocator.tune()
        let files = FileLimits.raise().after
        guard files.soft > count + 256 else {
            throw ValidationError("--count \(count) needs more than \(count + 256) open files here; the limit is \(files.soft)")
        }
        // Every stream is the same staff member's: the gateway's cap per person is off for the run.
        let suite = try await BenchSuite.start(
            "streams", bin: binDir ?? UpCommand.ownDirectory(), services: ["posy-orders", "posy-location", "posy-receipts"],
            environment: ["POSY_MAX_STREAMS_PER_PERSON": "0"])
        defer { suite.stop() }
        guard let gateway = suite.pid("posy-gateway") else { throw ValidationError("no gateway") }
        let port = Int(suite.base.split(separator: ":").last ?? "") ?? 0
        let staff = try suite.staffToken()
        // The gateway warmed up: a few streams opened and closed, then its resting size.
        try await Self.open(10, port: port, token: staff, concurrency: 10).closeAll()
        try await Task.sleep(for: .seconds(2))
        let rssBefore = ProcessMemory.field(gateway, "VmRSS")
        let started = ContinuousClock.now
        let quiet = json
        let streams = try await Self.open(count, port: port, token: staff, concurrency: concurrency) { opened in
            if !quiet { print("  \(opened) streams open") }
        }
        let openSeconds = (ContinuousClock.now - started).seconds
        try await Task.sleep(for: .seconds(5))
        let rssAfter = ProcessMemory.field(gateway, "VmRSS")
        let cpu0 = (ProcessCPU.seconds(gateway) ?? 0, ProcessCPU.seconds() ?? 0, ProcessCPU.total(suite.pids) ?? 0)
        try await Task.sleep(for: .seconds(idle))
        let cpu1 = (ProcessCPU.seconds(gateway) ?? 0, ProcessCPU.seconds() ?? 0, ProcessCPU.total(suite.pids) ?? 0)
        let frames = streams.frames.value
        await streams.closeAll()
        let perStream = Double(rssAfter - rssBefore) / 1024 / Double(count)  // bytes → KiB
        let report: [String: Any] = [
            "streams": count, "openSeconds": (openSeconds * 10).rounded() / 10,
            "gatewayRssKiBBefore": rssBefore >> 10, "gatewayRssKiBAfter": rssAfter >> 10,
            "rssKiBPerStream": (perStream * 10).rounded() / 10,
            "idleSeconds": idle, "gatewayIdleCorePercent": ((cpu1.0 - cpu0.0) / Double(idle) * 1000).rounded() / 10,
            "suiteIdleCorePercent": ((cpu1.2 - cpu0.2) / Double(idle) * 1000).rounded() / 10,
            "clientIdleCorePercent": ((cpu1.1 - cpu0.1) / Double(idle) * 1000).rounded() / 10,
            "framesWhileIdle": frames - count, "openFilesLimit": files.soft,
        ]
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print(
            TextTable.render([
                ["STREAMS", "OPENED IN", "GATEWAY RSS", "PER STREAM", "GATEWAY CPU IDLE", "SUITE CPU IDLE", "BENCH CPU IDLE"],
                [
                    "\(count)", String(format: "%.1f s", openSeconds), "\(rssBefore >> 20) → \(rssAfter >> 20) MiB",
                    String(format: "%.1f KiB", perStream), "\(report["gatewayIdleCorePercent"]!) % of a core",
                    "\(report["suiteIdleCorePercent"]!) %", "\(report["clientIdleCorePercent"]!) %",
                ],
            ]))
        print(
            "idle \(idle) s, \(frames - count) frames while idle; the streams' clients run in this process on the same \(ProcessInfo.processInfo.activeProcessorCount) cores; open-file limit \(files.soft)"
        )
    }

    /// Open streams and the text frames they received (all of them, counted).
    final class Streams: Sendable {
        let clients = Locked<[BenchChatClient]>([])
        let frames = Locked(0)

        func closeAll() async {
            for client in clients.withLock({ c in
                defer { c = [] }
                return c
            }) { await client.close() }
        }
    }

    /// `count` staff streams, `concurrency` at a time, each waited for until its `stream.open`.
    static func open(
        _ count: Int, port: Int, token: String, concurrency: Int, progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> Streams {
        let streams = Streams()
        let opened = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var i = worker
                    while i < count {
                        let client = BenchChatClient(port: port, token: token) { _ in streams.frames.withLock { $0 += 1 } }
                        var ready = client.ready.makeAsyncIterator()
                        guard await ready.next() != nil else { throw ValidationError("stream \(i + 1) was refused or closed") }
                        streams.clients.withLock { $0.append(client) }
                        let n = opened.withLock { n in
                            n += 1
                            return n
                        }
                        if n % 2_000 == 0 { progress(n) }
                        i += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
        return streams
    }
}
