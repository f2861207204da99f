import Foundation
import PosySchema
import Synchronization

/// The gateway's check of its own push path, end to end (docs/architecture.md, "The stream"): every
/// second the gateway publishes a canary under each push prefix (``Topic/canaries(of:)``) and hears
/// it come back through the bus on the subscription that carries people's pushes. Pushes are
/// ephemeral, so nothing else would notice that they stopped arriving: a canary not heard within
/// ``deadline`` turns the gateway's health `degraded` and makes the hub subscribe again.
final class PushCanary: Sendable {
    static let interval: Duration = .seconds(1)
    /// As a heartbeat's: three missed in a row, and a little.
    static let deadline: Duration = .milliseconds(3_500)
    /// The least time between two fresh subscriptions: a bus that is down is not mended by churning.
    static let resubscribeEvery: Duration = .seconds(10)

    let instance: String
    let topics: [String]
    private struct State {
        var heard: [String: ContinuousClock.Instant] = [:]
        var lastResubscribe: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    private let started: ContinuousClock.Instant

    init(instance: String, now: ContinuousClock.Instant = .now) {
        self.instance = instance
        self.topics = Topic.canaries(of: instance)
        self.started = now
    }

    /// Whether `envelope` on `topic` is a canary of this instance (and records that it came back).
    /// Any other canary — another gateway's — is no push either; the caller drops both.
    func heard(topic: String, _ envelope: Envelope, now: ContinuousClock.Instant = .now) -> Bool {
        guard envelope.type == PushType.canary else { return false }
        if envelope.src == instance, topics.contains(topic) { state.withLock { $0.heard[topic] = now } }
        return true
    }

    /// `ok`, or which prefix's canary has not come back and for how long (the health check).
    func check(now: ContinuousClock.Instant = .now) -> String {
        let heard = state.withLock { $0.heard }
        for topic in topics {
            let since = heard[topic] ?? started
            if now - since > Self.deadline {
                let prefix = topic.prefix { $0 != "." }
                return "no canary back through the bus on \(prefix). pushes for \(Int((now - since).seconds)) s"
            }
        }
        return "ok"
    }

    /// Whether the hub should subscribe again now: the path is broken, and the last try (or the
    /// start) was long enough ago. Records the try.
    func shouldResubscribe(now: ContinuousClock.Instant = .now) -> Bool {
        guard check(now: now) != "ok" else { return false }
        return state.withLock { s in
            guard now - (s.lastResubscribe ?? started) >= Self.resubscribeEvery else { return false }
            s.lastResubscribe = now
            return true
        }
    }
}
