import Foundation
import Synchronization
import Testing

@testable import PosyGateway

/// The gateway's push subscriptions (docs/architecture.md, "The stream"): one per topic some stream
/// listens on, made and cancelled as streams come and go, carried over to a fresh bus socket, and
/// confirmed by a mark heard back before a stream opens.
@Suite struct PushTopicsTests {
    /// Records what is subscribed, as libzmq's SUB counts it (a prefix subscribed twice needs two cancellations).
    final class Recorder: PushTopics.Target {
        let calls = Mutex<[String]>([])
        let counts = Mutex<[String: Int]>([:])
        func subscribe(_ prefix: String) {
            calls.withLock { $0.append("+" + prefix) }
            counts.withLock { $0[prefix, default: 0] += 1 }
        }
        func unsubscribe(_ prefix: String) {
            calls.withLock { $0.append("-" + prefix) }
            counts.withLock { c in
                c[prefix, default: 0] -= 1
                if c[prefix] == 0 { c[prefix] = nil }
            }
        }
        var subscribed: [String: Int] { counts.withLock { $0 } }
        var log: [String] { calls.withLock { $0 } }
    }

    @Test func theFirstListenerSubscribesAndTheLastCancels() {
        let topics = PushTopics()
        let bus = Recorder()
        topics.attach(bus, subscribed: [])
        topics.add(["to.c1.", "shop.s1."])
        topics.add(["to.c2.", "shop.s1."])
        #expect(bus.subscribed == ["to.c1.": 1, "to.c2.": 1, "shop.s1.": 1])
        #expect(topics.count == 3)
        topics.remove(["to.c1.", "shop.s1."])
        #expect(bus.subscribed == ["to.c2.": 1, "shop.s1.": 1])
        topics.remove(["to.c2.", "shop.s1."])
        #expect(bus.subscribed.isEmpty)
        #expect(topics.count == 0)
        // A topic no stream listens on is not cancelled twice.
        topics.remove(["to.c2."])
        #expect(bus.log.filter { $0 == "-to.c2." }.count == 1)
    }

    @Test func aFreshSocketGetsTheTopicsOfThatMomentExactlyOnce() {
        let topics = PushTopics()
        let old = Recorder()
        topics.attach(old, subscribed: [])
        topics.add(["to.a."])
        topics.add(["to.b."])
        // The hub opens a fresh socket with the topics listened on now …
        let opening = topics.detach()
        #expect(Set(opening) == ["to.a.", "to.b."])
        // … while streams come and go: nothing goes to the old socket any more.
        topics.add(["to.c."])
        topics.remove(["to.a."])
        #expect(old.subscribed == ["to.a.": 1, "to.b.": 1])
        let fresh = Recorder()
        for topic in opening { fresh.subscribe(topic) }  // what the open made
        topics.attach(fresh, subscribed: opening)
        #expect(fresh.subscribed == ["to.b.": 1, "to.c.": 1])
        // The new connection's subscriptions are confirmed anew.
        #expect(Set(topics.unconfirmed(["to.b.", "to.c."])) == ["to.b.", "to.c."])
    }

    @Test func aStreamWaitsForItsMarksAndNoLongerThanItsDeadline() async {
        let topics = PushTopics()
        topics.attach(Recorder(), subscribed: [])
        topics.add(["to.c1.", "shop.s1."])
        // The bus answers the second mark on each topic (the first raced the subscription).
        let marks = Mutex<[String: Int]>([:])
        let confirmed = await topics.confirm(["to.c1.", "shop.s1."], within: .seconds(10)) { topic in
            let n = marks.withLock { m in
                m[topic, default: 0] += 1
                return m[topic]!
            }
            if n == 2 { topics.heard(topic) }
        }
        #expect(confirmed)
        #expect(marks.withLock { $0 } == ["to.c1.": 2, "shop.s1.": 2])
        // Confirmed topics wait for nothing and send no mark.
        #expect(await topics.confirm(["to.c1."], within: .seconds(10)) { _ in Issue.record("marked again") })
        // A mark on a topic no stream listens on confirms nothing.
        topics.heard("to.gone.")
        #expect(topics.count == 2)
        // A bus that never answers: the stream opens after its deadline, unconfirmed.
        topics.add(["to.c2."])
        let sent = Mutex(0)
        let answered = await topics.confirm(["to.c2."], within: .milliseconds(50)) { _ in sent.withLock { $0 += 1 } }
        #expect(!answered)
        #expect(sent.withLock { $0 } >= 1)
    }
}
