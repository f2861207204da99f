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

    /// A frame received on the stream labelled `receiver`, on its connection's event loop. Read
    /// byte for byte: Foundation's `range(of:)` and `contains` are NSString's search, which took 5 %
    /// of a driver's CPU at peak (docs/performance.md, "A city's peak hour").
    func received(_ text: String, on receiver: String) {
        let now = ContinuousClock.now
        var text = text
        text.withUTF8 { b in
            if Self.starts(b, Self.positionType) {
                // The fix's device time (wall clock, this machine) → now.
                guard let p = Self.end(of: Self.positionKey, in: b), let a = Self.end(of: Self.atKey, in: b, from: p),
                    let close = b[a...].firstIndex(of: UInt8(ascii: "\"")),
                    let at = Timestamp.parse(String(decoding: UnsafeBufferPointer(rebasing: b[a..<close]), as: UTF8.self))
                else { return }
                let micros = UInt64(max(0, Date().timeIntervalSince(at)) * 1_000_000)
                state.withLock {
                    $0.tally.positionPushes += 1
                    $0.tally.latency[Level.position, default: PeakTally.histogram()].record(micros)
                }
            } else if Self.starts(b, Self.messageNewType) {
                guard let r = Self.end(of: Self.clientMsgIdKey, in: b), let close = b[r...].firstIndex(of: UInt8(ascii: "\"")) else {
                    return
                }
                let id = String(decoding: UnsafeBufferPointer(rebasing: b[r..<close]), as: UTF8.self)
                arrived(Level.chat + "|" + id, at: receiver, now: now)
            } else if Self.starts(b, Self.replyType) {
                if Self.end(of: Self.notOK, in: b) != nil {
                    let shown = String(decoding: UnsafeBufferPointer(rebasing: b.prefix(300)), as: UTF8.self)
                    state.withLock { $0.tally.error("refused frame on \(receiver): \(shown)") }
                }
            } else if Self.end(of: Self.assignedType, in: b) != nil || Self.end(of: Self.deliveredType, in: b) != nil {
                guard let object = try? JSONSerialization.jsonObject(with: Data(b)) as? [String: Any],
                    let type = object["type"] as? String, let order = (object["data"] as? [String: Any])?["orderId"] as? String
                else { return }
                arrived((type == "order.assigned" ? Level.assignment : Level.proof) + "|" + order, at: receiver, now: now)
            }
        }
    }

    private static let positionType = Array(#"{"type":"\#(PushType.orderPosition)""#.utf8)
    private static let messageNewType = Array(#"{"type":"\#(PushType.messageNew)""#.utf8)
    private static let replyType = Array(#"{"type":"reply""#.utf8)
    private static let positionKey = Array(#""position":{"#.utf8)
    private static let atKey = Array(#""at":""#.utf8)
    private static let clientMsgIdKey = Array(#""clientMsgId":""#.utf8)
    private static let notOK = Array(#""ok":false"#.utf8)
    private static let assignedType = Array(#""type":"order.assigned""#.utf8)
    private static let deliveredType = Array(#""type":"order.delivered""#.utf8)

    static func starts(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && bytes.prefix(prefix.count).elementsEqual(prefix)
    }

    /// The index just past the first `marker` in `bytes` at or after `from`.
    static func end(of marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        guard let first = marker.first, bytes.count - from >= marker.count else { return nil }
        var i = from
        let last = bytes.count - marker.count
        while i <= last {
            guard let hit = bytes[i...last].firstIndex(of: first) else { return nil }
            if bytes[hit..<hit + marker.count].elementsEqual(marker) { return hit + marker.count }
            i = hit + 1
        }
        return nil
    }

    func note(_ change: (inout PeakTally) -> Void) { state.withLock { change(&$0.tally) } }

    var tally: PeakTally { state.withLock { $0.tally } }
}
