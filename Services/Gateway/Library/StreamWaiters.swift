import PosyAccess
import PosyCore

/// Where streams with nothing to send wait, indexed by who they are (docs/architecture.md, "The
/// stream"): a new event wakes only the streams of its ``EventAudience`` — a shop's consoles, the
/// order's courier and customer, admins — not every stream on the gateway. A stream left parked
/// learns when it wakes which events it slept through were not for it, and skips them unread.
final class StreamWaiters: Sendable {
    /// What a parked stream learns when it wakes.
    enum Wake: Sendable, Equatable {
        /// Read again from where it was: a timeout, a reset or a hole in a feed,
        /// or a change before it parked.
        case recheck
        /// Nothing in a source before `first[src]` concerned it, nor anything through `heads[src]`
        /// in a source it has no `first` for.
        case skip(first: [String: Int64], heads: [String: StreamCursor.Position])
    }

    /// An event that entered a feed.
    struct Arrival: Sendable {
        let src: String
        let pos: Int64
        let audience: EventAudience
    }

    /// Called once, from whichever thread woke the stream.
    typealias Resume = @Sendable (Wake) -> Void

    private struct Parked {
        var keys: [String]
        var resume: Resume
    }

    private struct State {
        var generation: UInt64 = 0
        var parked: [UInt64: Parked] = [:]
        var byKey: [String: Set<UInt64>] = [:]
        var nextId: UInt64 = 0

        mutating func unpark(_ id: UInt64) -> Parked? {
            guard let p = parked.removeValue(forKey: id) else { return nil }
            for key in p.keys {
                byKey[key]?.remove(id)
                if byKey[key]?.isEmpty == true { byKey[key] = nil }
            }
            return p
        }
    }

    private let state = Locked(State())

    /// Moves on with every change to any feed; a stream reads it before it reads the feeds.
    var generation: UInt64 { state.withLock { $0.generation } }

    var parkedCount: Int { state.withLock { $0.parked.count } }

    /// The keys a viewer waits under: admins and services see every event's audience (`*`).
    static func keys(of viewer: Viewer) -> [String] {
        switch viewer {
        case .service: return ["*"]
        case .user(let sub, let role, let shop, _):
            switch role {
            case .admin: return ["*"]
            case .staff: return shop.map { ["shop:" + $0] } ?? []
            case .customer, .courier: return ["user:" + sub]
            }
        }
    }

    /// The keys an event wakes; nil: everyone.
    static func keys(of audience: EventAudience) -> [String]? {
        if audience.everyone { return nil }
        return ["*"] + (audience.shop.map { ["shop:" + $0] } ?? []) + audience.users.map { "user:" + $0 }
    }

    /// Parks a stream under `keys` without a task: `resume` is called once when an event for them
    /// arrives (or the timeout passes; without one no timer is armed, so an idle stream costs no
    /// wake-ups). Returns the id to ``cancel(_:)`` it with, or nil when the feeds changed since
    /// `seen` — then nothing was parked and the caller reads again at once.
    func park(_ keys: [String], after seen: UInt64, timeout: Duration?, resume: @escaping Resume) -> UInt64? {
        let id = state.withLock { s -> UInt64 in
            s.nextId &+= 1
            return s.nextId
        }
        guard register(id, keys, after: seen, resume: resume) else { return nil }
        if let timeout {
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.recheck(id)
            }
        }
        return id
    }

    /// Removes a parked stream without waking it (its connection closed).
    func cancel(_ id: UInt64) {
        state.withLock { s in _ = s.unpark(id) }
    }

    private func register(_ id: UInt64, _ keys: [String], after seen: UInt64, resume: @escaping Resume) -> Bool {
        state.withLock { s -> Bool in
            if s.generation != seen { return false }
            s.parked[id] = Parked(keys: keys, resume: resume)
            for key in keys { s.byKey[key, default: []].insert(id) }
            return true
        }
    }

    /// Events that entered the feeds (in order), and the feeds' heads after them: wakes the
    /// streams they may concern, telling each the first such position per source. Returns how many woke.
    @discardableResult
    func arrived(_ events: [Arrival], heads: [String: StreamCursor.Position]) -> Int {
        guard !events.isEmpty else { return 0 }
        let woken = state.withLock { s -> [(Resume, [String: Int64])] in
            s.generation &+= 1
            var first: [UInt64: [String: Int64]] = [:]
            for e in events {
                let ids: [UInt64] =
                    if let keys = Self.keys(of: e.audience) { keys.flatMap { Array(s.byKey[$0] ?? []) } } else { Array(s.parked.keys) }
                for id in ids where first[id]?[e.src] == nil { first[id, default: [:]][e.src] = e.pos }
            }
            return first.compactMap { id, f in s.unpark(id).map { ($0.resume, f) } }
        }
        for (resume, first) in woken { resume(.skip(first: first, heads: heads)) }
        return woken.count
    }

    /// Every parked stream reads again from where it was (a feed was reset or jumped a hole).
    /// Returns how many woke.
    @discardableResult
    func recheckAll() -> Int {
        let all = state.withLock { s -> [Resume] in
            s.generation &+= 1
            let ids = Array(s.parked.keys)
            return ids.compactMap { s.unpark($0)?.resume }
        }
        for resume in all { resume(.recheck) }
        return all.count
    }

    /// Wakes one parked stream to read again (its timeout passed).
    private func recheck(_ id: UInt64) {
        state.withLock { s in s.unpark(id)?.resume }?(.recheck)
    }
}
