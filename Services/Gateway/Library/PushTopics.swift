import Foundation
import Synchronization

/// The push topics this gateway subscribes to on the bus: exactly those some stream here listens on
/// (docs/architecture.md, "The stream"). Subscribed to every push topic, each gateway had the bus seal
/// and itself open every push meant for another gateway's streams. A topic is subscribed when its
/// first stream registers and cancelled when its last one leaves, and a stream says it is open only
/// once each of its topics is known to reach the bus (``confirm(_:within:mark:)``): a push sent in
/// between would be lost.
final class PushTopics: Sendable {
    /// Where subscriptions are made: the hub's bus socket.
    protocol Target: Sendable {
        func subscribe(_ prefix: String)
        func unsubscribe(_ prefix: String)
    }

    private struct Entry {
        var listeners: Int
        /// A mark on the topic came back through the bus since the subscription was made.
        var confirmed = false
    }

    private struct State {
        var topics: [String: Entry] = [:]
        /// Nil while the hub opens a fresh subscription (``detach()``).
        var target: (any Target)?
    }

    private let state = Mutex(State())

    /// How many topics are subscribed (the gauge `push_topics`).
    var count: Int { state.withLock { $0.topics.count } }

    /// A stream listens on `topics`: the first listener of a topic subscribes to it.
    func add(_ topics: [String]) {
        state.withLock { s in
            for topic in topics {
                if s.topics[topic] != nil {
                    s.topics[topic]?.listeners += 1
                } else {
                    s.topics[topic] = Entry(listeners: 1)
                    s.target?.subscribe(topic)
                }
            }
        }
    }

    /// A stream no longer listens on `topics`: the last listener of a topic cancels it.
    func remove(_ topics: [String]) {
        state.withLock { s in
            for topic in topics {
                guard let entry = s.topics[topic] else { continue }
                if entry.listeners > 1 {
                    s.topics[topic]?.listeners -= 1
                } else {
                    s.topics[topic] = nil
                    s.target?.unsubscribe(topic)
                }
            }
        }
    }

    /// The hub closes its subscription to open a fresh one: until ``attach(_:subscribed:)`` changes are
    /// only recorded. Returns the topics to subscribe to at the open.
    func detach() -> [String] {
        state.withLock { s in
            s.target = nil
            return Array(s.topics.keys)
        }
    }

    /// A fresh subscription opened with `subscribed`: it is brought to the topics listened on now, and
    /// every topic waits for a mark again (a new connection to the bus).
    func attach(_ target: any Target, subscribed: [String]) {
        state.withLock { s in
            let opened = Set(subscribed)
            for topic in s.topics.keys where !opened.contains(topic) { target.subscribe(topic) }
            for topic in opened where s.topics[topic] == nil { target.unsubscribe(topic) }
            for topic in s.topics.keys { s.topics[topic]?.confirmed = false }
            s.target = target
        }
    }

    /// A mark came back on `topic`: its subscription reaches the bus.
    func heard(_ topic: String) {
        state.withLock { s in
            if s.topics[topic] != nil { s.topics[topic]?.confirmed = true }
        }
    }

    /// Those of `topics` whose subscription has not been seen to reach the bus.
    func unconfirmed(_ topics: [String]) -> [String] {
        state.withLock { s in topics.filter { s.topics[$0]?.confirmed != true } }
    }

    /// Waits until every one of `topics` is confirmed, sending a `mark` on each one that is not, again
    /// after 1, 2, 4 … 250 ms (a mark can reach the bus before the subscription does); true when all
    /// were confirmed, false after `within` (a bus that is down: the stream opens anyway, pushes are hints).
    func confirm(_ topics: [String], within: Duration, mark: (String) -> Void) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + within
        var wait = Duration.milliseconds(1)
        while true {
            let pending = unconfirmed(topics)
            if pending.isEmpty { return true }
            if clock.now >= deadline || Task.isCancelled { return false }
            for topic in pending { mark(topic) }
            try? await Task.sleep(for: wait)
            wait = min(wait * 2, .milliseconds(250))
        }
    }
}
