import Foundation
import PosySchema

/// The suite's health and stats, asked of every instance at most once a second whoever asks:
/// each `/healthz` or `/metrics` call used to fan out to every instance, so a caller polling hard
/// slowed the whole suite (docs/architecture.md, "The gateway"). Callers within `ttl` of an answer,
/// or while one is being gathered, share it.
actor MonitorCache {
    let monitor: SuiteMonitor
    let ttl: Duration
    private var health: (at: ContinuousClock.Instant, task: Task<HealthSummary, Never>)?
    private var stats: (at: ContinuousClock.Instant, task: Task<[(String, StatsReport?)], Never>)?

    init(monitor: SuiteMonitor, ttl: Duration = .seconds(1)) {
        self.monitor = monitor
        self.ttl = ttl
    }

    func summary() async -> HealthSummary {
        if let h = health, ContinuousClock.now - h.at < ttl { return await h.task.value }
        let monitor = self.monitor
        let task = Task { await monitor.health() }
        health = (.now, task)
        return await task.value
    }

    func allStats() async -> [(String, StatsReport?)] {
        if let s = stats, ContinuousClock.now - s.at < ttl { return await s.task.value }
        let monitor = self.monitor
        let task = Task { await monitor.stats() }
        stats = (.now, task)
        return await task.value
    }
}
