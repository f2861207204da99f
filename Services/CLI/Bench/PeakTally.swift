import Histogram

/// What one driver of `posy bench peak` saw: latencies per service level (microseconds), what it
/// expected to arrive and what did (once, or more), the orders by the states they reached (for the
/// webhooks the parent's receiver counts), and errors it met.
struct PeakTally: Codable, Sendable {
    var latency: [String: Histogram<UInt64>] = [:]
    var expected: [String: Int] = [:]
    var received: [String: Int] = [:]
    var doubled: [String: Int] = [:]
    /// Order id → the states it reached that a webhook is registered for.
    var reached: [String: [String]] = [:]
    var ordersStarted = 0
    var ordersDelivered = 0
    var fixesSent = 0
    var positionPushes = 0
    var streams = 0
    /// Stream upgrades refused or dropped while opening, each tried again.
    var streamRetries = 0
    var errorCount = 0
    var errors: [String] = []

    static func histogram() -> Histogram<UInt64> {
        Histogram(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }

    mutating func add(_ other: PeakTally) {
        for (k, h) in other.latency { latency[k, default: Self.histogram()].add(h) }
        for (k, v) in other.expected { expected[k, default: 0] += v }
        for (k, v) in other.received { received[k, default: 0] += v }
        for (k, v) in other.doubled { doubled[k, default: 0] += v }
        reached.merge(other.reached) { a, _ in a }
        ordersStarted += other.ordersStarted
        ordersDelivered += other.ordersDelivered
        fixesSent += other.fixesSent
        positionPushes += other.positionPushes
        streams += other.streams
        streamRetries += other.streamRetries
        errorCount += other.errorCount
        errors += other.errors.prefix(max(0, 20 - errors.count))
    }

    mutating func error(_ text: String) {
        errorCount += 1
        if errors.count < 20 { errors.append(text) }
    }
}
