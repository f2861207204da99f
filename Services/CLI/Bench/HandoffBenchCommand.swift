import ArgumentParser
import Foundation
import PosyCLI
import PosyCore
import PosySchema

/// `posy bench handoff`: what waking another thread costs this machine — the unit a message's CPU
/// at a moderate rate is made of (docs/performance.md, "What a hand-off costs"). Two threads pass a
/// turn back and forth `--count` times, through a semaphore (a futex, as Swift's task pool and the
/// store's writer queue wait) and through a pipe read after `poll` (a descriptor made readable, as
/// libzmq's sockets and NIO's event loops wait), back to back and with a pause before each turn, as
/// messages arriving apart have. It reports the process's CPU per wake-up and the round trip's
/// wall time.
public struct HandoffBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "handoff", abstract: "Benchmark what handing work to another thread costs this machine.")

    @Option(help: "Round trips in each run.") var count = 5_000
    @Option(name: .customLong("gap-us"), help: "Pause before each round trip in µs, 0 = back to back (repeat for several runs).")
    var gaps: [Int] = [0, 3_333]
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard (10...1_000_000).contains(count) else { throw ValidationError("--count 10…1000000") }
        guard !gaps.isEmpty, gaps.allSatisfy({ (0...1_000_000).contains($0) }) else {
            throw ValidationError("--gap-us 0…1000000 (µs), at least one")
        }
    }

    /// How the two threads wait for each other.
    public enum Primitive: String, Codable, Sendable, CaseIterable {
        case semaphore
        case pipe
    }

    public struct Result: Codable, Sendable {
        public var primitive: Primitive
        public var gapUs: Int
        public var roundTrips: Int
        /// The process's CPU per wake-up: two per round trip, and the pause's timer when there is one.
        public var cpuUsPerWake: Double
        public var wallP50Us: Double
        public var wallP99Us: Double
    }

    public func run() async throws {
        var results: [Result] = []
        for gap in gaps {
            for primitive in Primitive.allCases {
                results.append(try await Self.measure(primitive, count: count, gapUs: gap))
            }
        }
        if json {
            print(String(decoding: try JSON.encode(results), as: UTF8.self))
            return
        }
        var rows = [["WAIT", "PAUSE µs", "ROUND TRIPS", "CPU µs PER WAKE-UP", "ROUND TRIP P50 µs", "P99 µs"]]
        for r in results {
            rows.append([
                r.primitive.rawValue, "\(r.gapUs)", "\(r.roundTrips)", String(format: "%.1f", r.cpuUsPerWake),
                String(format: "%.1f", r.wallP50Us), String(format: "%.1f", r.wallP99Us),
            ])
        }
        print(TextTable.render(rows))
        print("\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(MachineCPU.loadAverage())")
    }

    /// This process's CPU time in seconds, to the nanosecond (`/proc`'s ticks are 10 ms).
    static func processCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// One run on two threads of its own (a blocking wait never holds one of Swift's pool threads).
    static func measure(_ primitive: Primitive, count: Int, gapUs: Int) async throws -> Result {
        let pair = try HandoffPair(primitive)
        defer { pair.close() }
        return await withCheckedContinuation { (done: CheckedContinuation<Result, Never>) in
            let answerer = Thread {
                for _ in 0..<count {
                    pair.waitForTurn(0)
                    pair.give(1)
                }
            }
            answerer.name = "posy.handoff-b"
            let asker = Thread {
                var walls: [Double] = []
                walls.reserveCapacity(count)
                var pause = timespec(tv_sec: gapUs / 1_000_000, tv_nsec: (gapUs % 1_000_000) * 1_000)
                let cpu0 = Self.processCPU()
                for _ in 0..<count {
                    if gapUs > 0 { nanosleep(&pause, nil) }
                    let start = ContinuousClock.now
                    pair.give(0)
                    pair.waitForTurn(1)
                    walls.append((ContinuousClock.now - start).seconds * 1e6)
                }
                let cpu = Self.processCPU() - cpu0
                walls.sort()
                let wakes = Double(count * (gapUs > 0 ? 3 : 2))
                done.resume(
                    returning: Result(
                        primitive: primitive, gapUs: gapUs, roundTrips: count, cpuUsPerWake: cpu * 1e6 / wakes,
                        wallP50Us: walls[walls.count / 2], wallP99Us: walls[min(walls.count - 1, walls.count * 99 / 100)]))
            }
            asker.name = "posy.handoff-a"
            answerer.start()
            asker.start()
        }
    }
}
