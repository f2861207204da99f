import Foundation
import PosySchema
import Synchronization

/// Counters and latency histograms of one process, reported by the `stats` RPC.
public final class Metrics: Sendable {
    /// Upper bounds (seconds) of the latency buckets, Prometheus style.
    public static let bounds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    struct Histogram {
        var counts = [Int64](repeating: 0, count: Metrics.bounds.count)
        var count: Int64 = 0
        var sum: Double = 0
    }

    private let counters = Mutex<[String: Int64]>([:])
    private let histograms = Mutex<[String: Histogram]>([:])

    public init() {}

    /// Adds `n` to counter `name`; returns its new value.
    @discardableResult
    public func increment(_ name: String, by n: Int64 = 1) -> Int64 {
        counters.withLock { all in
            all[name, default: 0] += n
            return all[name] ?? 0
        }
    }

    /// Whether the `count`th occurrence of something is worth a log line: the 1st, 2nd, 4th, 8th, …,
    /// so a flood (an attacker, a broken peer) is visible without filling the log.
    public static func worthLogging(_ count: Int64) -> Bool { count > 0 && count & (count - 1) == 0 }

    public func counter(_ name: String) -> Int64 { counters.withLock { $0[name] ?? 0 } }

    /// Records one observation of `seconds` in histogram `name`.
    public func observe(_ name: String, seconds: Double) {
        let index = Metrics.bounds.firstIndex { seconds <= $0 }
        histograms.withLock { all in
            var h = all[name] ?? Histogram()
            if let index { h.counts[index] += 1 }
            h.count += 1
            h.sum += seconds
            all[name] = h
        }
    }

    /// Times `body` into histogram `name`.
    public func time<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { observe(name, seconds: (ContinuousClock.now - start).seconds) }
        return try await body()
    }

    public func snapshot(
        service: String, instance: String, counters extra: [String: Int64] = [:],
        gauges: [String: Int64] = [:]
    ) -> StatsReport {
        var c = counters.withLock { $0 }
        c.merge(extra) { _, new in new }
        let h = histograms.withLock { $0 }.mapValues { h -> LatencyHistogram in
            var cumulative: [Int64] = []
            var running: Int64 = 0
            for n in h.counts {
                running += n
                cumulative.append(running)
            }
            return LatencyHistogram(bounds: Metrics.bounds, counts: cumulative, count: h.count, sum: h.sum)
        }
        return StatsReport(service: service, instance: instance, counters: c, gauges: gauges, latencies: h)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let (s, attos) = components
        return Double(s) + Double(attos) / 1e18
    }
}
