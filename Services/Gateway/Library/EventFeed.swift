import Foundation
import PosyAccess
import PosyCore
import PosySchema

/// The recent durable events of one source, contiguous in log order (`pos`), shared by every
/// stream connection of this gateway (the ZeroMQ Guide's Clone pattern, on the reader side).
///
/// Events come live from the bus; a jump in `pos`, or a heartbeat whose `pos` is ahead, is filled
/// from the source with `events.since` (one repair for all connections). A connection whose cursor
/// is older than what the feed still holds reads from the source itself.
final class EventFeed: Sendable {
    let src: String
    let capacity: Int
    /// Who each event may concern, worked out once when it enters the feed.
    let audience: @Sendable (Envelope) -> EventAudience

    /// An event with its ``EventAudience``.
    struct Event: Sendable, Equatable {
        let envelope: Envelope
        let audience: EventAudience
    }

    struct State {
        var epoch: String?
        /// Position of the newest event the feed holds contiguously (`events.last?.pos`).
        var head: Int64 = 0
        /// Contiguous events ending at `head`.
        var events: [Event] = []
        /// Highest position known to exist (from events and heartbeats).
        var target: Int64 = 0
        var repairing = false

        var firstPos: Int64 { head - Int64(events.count) + 1 }

        mutating func reset(epoch: String, head: Int64) {
            self = State(epoch: epoch, head: head, events: [], target: head, repairing: repairing)
        }

        mutating func append(_ e: Event, capacity: Int) {
            events.append(e)
            head = e.envelope.pos
            target = max(target, head)
            if events.count > capacity * 2 { events.removeFirst(events.count - capacity) }
        }
    }

    /// What an ingest, heartbeat or fill did: events appended (in order), whether the feed started
    /// over (a new epoch, or a hole where the source no longer has events: readers must look again
    /// from where they are), and whether it now needs a repair from the source.
    struct Change: Equatable {
        var appended: [Event] = []
        var reset = false
        var repair = false
    }

    enum Read: Equatable {
        /// Events after the position, in order (at most the asked number).
        case events([Event])
        /// Nothing newer yet.
        case upToDate
        /// The position is older than what the feed holds: read from the source.
        case behind
        /// The source is at another epoch now (its store was reset).
        case reset(epoch: String, head: Int64)
        /// The feed has not heard from the source yet.
        case unknown
    }

    private let state = Locked(State())

    init(src: String, capacity: Int = 4_096, audience: @escaping @Sendable (Envelope) -> EventAudience = { _ in .everyone }) {
        self.src = src
        self.capacity = capacity
        self.audience = audience
    }

    /// The feed's epoch and head, once known.
    var position: StreamCursor.Position? {
        state.withLock { s in s.epoch.map { StreamCursor.Position(epoch: $0, pos: s.head) } }
    }

    func read(after position: StreamCursor.Position, max: Int) -> Read {
        state.withLock { s -> Read in
            guard let epoch = s.epoch else { return .unknown }
            guard epoch == position.epoch else { return .reset(epoch: epoch, head: s.head) }
            if position.pos >= s.head { return .upToDate }
            let start = position.pos + 1 - s.firstPos
            if start < 0 { return .behind }
            let from = Int(start)
            return .events(Array(s.events[from..<Swift.min(s.events.count, from + max)]))
        }
    }

    /// A live durable event from the bus.
    func ingest(_ e: Envelope) -> Change {
        let event = Event(envelope: e, audience: audience(e))
        return state.withLock { s in
            var change = Change()
            if s.epoch != e.epoch {
                s.reset(epoch: e.epoch, head: e.pos - 1)
                change.reset = true
            }
            if e.pos <= s.head { return change }
            if e.pos == s.head + 1 {
                s.append(event, capacity: capacity)
                change.appended = [event]
                return change
            }
            s.target = Swift.max(s.target, e.pos)
            change.repair = Self.claimRepair(&s)
            return change
        }
    }

    /// A heartbeat of the source: its epoch and newest position.
    func heartbeat(epoch: String, pos: Int64) -> Change {
        state.withLock { s in
            if s.epoch != epoch {
                s.reset(epoch: epoch, head: pos)
                return Change(reset: true)
            }
            guard pos > s.head else { return Change() }
            s.target = Swift.max(s.target, pos)
            return Change(repair: Self.claimRepair(&s))
        }
    }

    private static func claimRepair(_ s: inout State) -> Bool {
        guard !s.repairing else { return false }
        s.repairing = true
        return true
    }

    /// Where a repair continues from; nil (and the repair ends) once the feed reached its target.
    func repairFrom() -> StreamCursor.Position? {
        state.withLock { s in
            guard let epoch = s.epoch, s.head < s.target else {
                s.repairing = false
                return nil
            }
            return StreamCursor.Position(epoch: epoch, pos: s.head)
        }
    }

    /// Ends a repair that could not reach the source; the next heartbeat starts another.
    func repairFailed() {
        state.withLock { $0.repairing = false }
    }

    /// Events fetched from the source after `from`.
    func fill(from: StreamCursor.Position, events: [Envelope], sourceHead: Int64) -> Change {
        let audiences = events.map(audience)
        return state.withLock { s in
            guard s.epoch == from.epoch else { return Change() }
            s.target = Swift.max(s.target, sourceHead)
            var change = Change()
            for (e, audience) in zip(events, audiences) where e.epoch == from.epoch && e.pos > s.head {
                if e.pos != s.head + 1 {
                    // The source no longer has the ones between (pruned): continue after the hole;
                    // connections that still need them get `behind` and find out from the source.
                    s.events.removeAll()
                    s.head = e.pos - 1
                    change.reset = true
                }
                let event = Event(envelope: e, audience: audience)
                s.append(event, capacity: capacity)
                change.appended.append(event)
            }
            if events.isEmpty && sourceHead <= s.head { s.target = s.head }
            return change
        }
    }
}
