/// `stats` reply: counters and latency histograms of one process.
public struct StatsReport: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var service: String
    public var instance: String
    /// Monotonic counters, e.g. `events_published`, `events_applied`, `events_replayed`, `rpc_requests.health`.
    public var counters: [String: Int64]
    /// Values that go up and down, e.g. `outbox_head_total`, `store_largest_group`.
    public var gauges: [String: Int64]
    /// Latency histograms in seconds, e.g. `rpc.health`, `event_apply`.
    public var latencies: [String: LatencyHistogram]

    public init(
        service: String, instance: String, counters: [String: Int64], gauges: [String: Int64] = [:],
        latencies: [String: LatencyHistogram]
    ) {
        self.service = service
        self.instance = instance
        self.counters = counters
        self.gauges = gauges
        self.latencies = latencies
    }
}

/// A cumulative histogram in the Prometheus sense: `counts[i]` observations ≤ `bounds[i]` seconds.
public struct LatencyHistogram: Codable, Sendable, Equatable {
    public var bounds: [Double]
    public var counts: [Int64]
    public var count: Int64
    public var sum: Double

    public init(bounds: [Double], counts: [Int64], count: Int64, sum: Double) {
        self.bounds = bounds
        self.counts = counts
        self.count = count
        self.sum = sum
    }
}
