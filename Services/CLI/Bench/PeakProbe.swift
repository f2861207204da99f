import Foundation
import Histogram
import PosySchema
import Synchronization

/// The driver's ears: what it expects to arrive on which stream since when, and every frame its
/// streams receive. An expected frame's first arrival is a latency sample of its service level; a
/// second one is counted as doubled; one that never comes is lost.
final class PeakProbe: Sendable {
    /// The service levels (docs/performance.md, "A city's peak hour").
    enum Level {
        static let assignment = "assignment"
        static let position = "position"
        static let chat = "chat"
        static let proof = "proof"
    }

    struct Waiting {
        var level: String
        var since: ContinuousClock.Instant
        var receivers: Set<String>
    }

    struct State {
        var waiting: [String: Waiting] = [:]
        /// `key|receiver` of every arrival counted, to tell a second one.
        var arrived: Set<String> = []
        var tally = PeakTally()
    }

    let state = Mutex(State())

    /// `receivers` (stream labels) should each get the frame `key` names; the clock runs from `since`.
    func expect(_ key: String, level: String, since: ContinuousClock.Instant = .now, receivers: [String]) {
        state.withLock {
            $0.waiting[key] = Waiting(level: level, since: since, receivers: Set(receivers))
            $0.tally.expected[level, default: 0] += receivers.count
        }
    }

    func arrived(_ key: String, at receiver: String, now: ContinuousClock.Instant = .now) {
        state.withLock { s in
            guard var w = s.waiting[key] else {
                if s.arrived.contains(key + "|" + receiver) { s.tally.doubled[Self.level(of: key), default: 0] += 1 }
                return
            }
            guard w.receivers.remove(receiver) != nil else {
                if s.arrived.contains(key + "|" + receiver) { s.tally.doubled[w.level, default: 0] += 1 }
                return
            }
            s.arrived.insert(key + "|" + receiver)
            s.tally.received[w.level, default: 0] += 1
            s.tally.latency[w.level, default: PeakTally.histogram()].record(UInt64(max(0, (now - w.since) / .microseconds(1))))
            s.waiting[key] = w.receivers.isEmpty ? nil : w
        }
    }

    /// Waits for the frames still awaited: until none is, or until none of them has come for
    /// `quiet` (the rest are lost), at most `atMost`. A frame that comes late is a broken service
    /// level, not a lost one, and its latency is counted.
    func settle(quiet: Duration, atMost: Duration) async throws {
        let deadline = ContinuousClock.now + atMost
        var heard = (count: -1, at: ContinuousClock.now)
        while ContinuousClock.now < deadline {
            let (awaited, received) = state.withLock { s in
                (s.waiting.values.reduce(0) { $0 + $1.receivers.count }, s.tally.received.values.reduce(0, +))
            }
            if awaited == 0 { return }
            if received != heard.count {
                heard = (received, .now)
            } else if ContinuousClock.now - heard.at >= quiet {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static func level(of key: String) -> String { String(key.prefix { $0 != "|" }) }

    /// A frame received on the stream labelled `receiver`.
    func received(_ text: String, on receiver: String) {
        let now = ContinuousClock.now
        if text.hasPrefix(#"{"type":"\#(PushType.orderPosition)""#) {
            // The fix's device time (wall clock, this machine) → now.
            guard let p = text.range(of: #""position":{"#), let r = text.range(of: #""at":""#, range: p.upperBound..<text.endIndex),
                let close = text[r.upperBound...].firstIndex(of: "\""), let at = Timestamp.parse(String(text[r.upperBound..<close]))
            else { return }
            let micros = UInt64(max(0, Date().timeIntervalSince(at)) * 1_000_000)
            state.withLock {
                $0.tally.positionPushes += 1
                $0.tally.latency[Level.position, default: PeakTally.histogram()].record(micros)
            }
        } else if text.hasPrefix(#"{"type":"\#(PushType.messageNew)""#) {
            guard let r = text.range(of: #""clientMsgId":""#), let close = text[r.upperBound...].firstIndex(of: "\"") else { return }
            arrived(Level.chat + "|" + String(text[r.upperBound..<close]), at: receiver, now: now)
        } else if text.hasPrefix(#"{"type":"reply""#) {
            if text.contains(#""ok":false"#) { state.withLock { $0.tally.error("refused frame on \(receiver): \(text.prefix(300))") } }
        } else if text.contains(#""type":"order.assigned""#) || text.contains(#""type":"order.delivered""#) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let type = object["type"] as? String, let order = (object["data"] as? [String: Any])?["orderId"] as? String
            else { return }
            arrived((type == "order.assigned" ? Level.assignment : Level.proof) + "|" + order, at: receiver, now: now)
        }
    }

    func note(_ change: (inout PeakTally) -> Void) { state.withLock { change(&$0.tally) } }

    var tally: PeakTally { state.withLock { $0.tally } }
}
