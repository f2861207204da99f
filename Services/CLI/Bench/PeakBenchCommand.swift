import ArgumentParser
import Foundation
import NIOCore
import PosyAuth
import PosyCLI
import PosyCore
import PosySchema

/// `posy bench peak`: a city's peak hour driven through the gateway as it happens (docs/performance.md,
/// "A city's peak hour"). The suite runs here with every service; driver processes (this executable
/// with `--worker`) hold the people's live streams and act for them; this process sets up the shops,
/// receives their webhooks and measures every process. `--find-max` raises the scale until a service
/// level breaks. Progress goes to the terminal; the last line is one JSON object.
public struct PeakBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "peak", abstract: "Benchmark a city's peak hour: orders, couriers, tracking streams, chat, proofs, webhooks.")

    @Option(help: "The share of a big city's peak hour to run (1.0: 25,000 orders/h, 10,000 couriers, 51,500 streams).")
    var scale = 0.1
    @Flag(name: .customLong("find-max"), help: "Raise the scale from --scale until a service level breaks; report the last held.")
    var findMax = false
    @Option(name: .customLong("max-scale"), help: "The highest scale --find-max tries.") var maxScale = 2.0
    @Option(help: "Seconds of the hour to run: orders arrive during them (the rest of each delivery follows).") var seconds = 120.0
    @Option(name: .customLong("delivery-seconds"), help: "Seconds from departure to the proof at the door (the hour compressed).")
    var deliverySeconds = 30.0
    @Option(name: .customLong("orders-per-hour"), help: "Orders per hour instead of 25,000 × scale (bursts of 15/7 of it).")
    var ordersPerHour: Double?
    @Option(name: .customLong("photo-kib"), help: "Size of each proof photo, KiB.") var photoKiB = 300
    @Option(help: "Messaging shards.") var shards = 1
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Option(name: .customLong("worker"), help: .hidden) var worker: String?

    public init() {}

    public func validate() throws {
        guard scale > 0, scale <= 10, maxScale >= scale || !findMax, maxScale <= 10 else {
            throw ValidationError("--scale and --max-scale: above 0, at most 10, --max-scale not below --scale")
        }
        guard seconds >= 5, seconds <= 3600 else { throw ValidationError("--seconds 5…3600") }
        guard deliverySeconds >= 5, deliverySeconds <= 600 else { throw ValidationError("--delivery-seconds 5…600") }
        guard (1...10_240).contains(photoKiB) else { throw ValidationError("--photo-kib 1…10240") }
        guard (1...9).contains(shards) else { throw ValidationError("--shards 1…9") }
        if let ordersPerHour, !(ordersPerHour > 0 && ordersPerHour <= 1_000_000) {
            throw ValidationError("--orders-per-hour: above 0, at most 1000000")
        }
    }

    /// Streams one driver process or one gateway holds at most here (a process may hold 20,000 descriptors).
    static let streamsPerDriver = 12_000
    static let streamsPerGateway = 15_000

    /// The service levels: p99 limits in milliseconds.
    static let limits: [(name: String, ms: Double)] = [
        (PeakProbe.Level.assignment, 500), (PeakProbe.Level.position, 500), (PeakProbe.Level.chat, 250), (PeakProbe.Level.proof, 1_000),
    ]

    /// The scales `--find-max` tries, from `--scale` on.
    var ladder: [Double] {
        guard findMax else { return [scale] }
        let steps = [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0]
        return [scale] + steps.filter { $0 > scale && $0 <= maxScale }
    }

    public func run() async throws {
        Allocator.tune()
        _ = FileLimits.raise()
        if let worker {
            // Several drivers share the machine with the suite: one event loop each carries their
            // streams with fewer thread hand-offs than one per core (docs/performance.md, "A city's peak hour").
            NIOSingletons.groupLoopCountSuggestion = 1
            let plan = try JSONDecoder().decode(PeakPlan.self, from: Data(contentsOf: URL(fileURLWithPath: worker)))
            let tally = try await PeakWorker(plan: plan).run()
            try JSONEncoder().encode(tally).write(to: URL(fileURLWithPath: "\(plan.directory)/tally-\(plan.worker).json"))
            return
        }
        var steps: [PeakStep] = []
        // A scale that could not even be run (streams refused, a driver failed) is where it broke, too.
        var failed: (scale: Double, error: String)?
        for s in ladder {
            do {
                let step = try await PeakRun(options: self, scale: s).measure()
                steps.append(step)
                PeakRun.progress(step.summary)
                if !step.held { break }
            } catch {
                guard !steps.isEmpty else { throw error }
                failed = (s, "\(error)")
                PeakRun.progress("scale \(s) FAILED: \(error)")
                break
            }
        }
        let held = steps.last { $0.held }
        let shown = held ?? steps[0]
        let broken = steps.first { !$0.held }
        var report = shown.json
        report["scaleHeld"] = held?.scale ?? 0
        report["bottleneck"] =
            failed.map { "at scale \($0.scale): \($0.error)" } ?? broken.map { "at scale \($0.scale): \($0.bottleneck)" }
            ?? "none found up to scale \(steps.last?.scale ?? scale)\(findMax ? " (--max-scale)" : "; try --find-max")"
        report["steps"] = steps.map { ["scale": $0.scale, "held": $0.held] } + (failed.map { [["scale": $0.scale, "held": false]] } ?? [])
        print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
    }
}
