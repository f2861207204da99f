import Foundation
import PosyCore

/// When each stream's token expires, kept for all of the gateway's streams by one loop (in
/// ``StreamHub/run()``): it sleeps until the earliest deadline and calls what is due. A timer per
/// stream would cost a task each while it idles (docs/architecture.md, "Idle costs nothing").
final class StreamDeadlines: Sendable {
    struct Handle: Sendable {
        let second: Int
        let id: Int
    }

    private struct State {
        var next = 0
        /// Callbacks by the Unix second they are due in.
        var due: [Int: [Int: @Sendable () -> Void]] = [:]
        /// The second the loop sleeps until (nil: no deadline).
        var target: Int?
    }

    private let state = Locked(State())
    private let signal = ChangeSignal()

    /// Calls `fire` once, at `second` (a Unix time) or right away if it has passed, unless removed first.
    func add(at second: Int, _ fire: @escaping @Sendable () -> Void) -> Handle {
        let (handle, nudge) = state.withLock { s -> (Handle, Bool) in
            s.next += 1
            s.due[second, default: [:]][s.next] = fire
            return (Handle(second: second, id: s.next), s.target.map { second < $0 } ?? true)
        }
        if nudge { signal.bump() }
        return handle
    }

    func remove(_ handle: Handle) {
        state.withLock { s in
            s.due[handle.second]?[handle.id] = nil
            if s.due[handle.second]?.isEmpty == true { s.due[handle.second] = nil }
        }
    }

    var count: Int { state.withLock { $0.due.values.reduce(0) { $0 + $1.count } } }

    /// Fires what is due, then sleeps until the next deadline or an earlier one is added; until cancelled.
    func run(now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) async {
        while !Task.isCancelled {
            let seen = signal.generation
            let t = now()
            let (fire, target) = state.withLock { s -> ([@Sendable () -> Void], Int?) in
                var fire: [@Sendable () -> Void] = []
                for second in s.due.keys.filter({ Double($0) <= t }) { fire += s.due.removeValue(forKey: second)?.values.map { $0 } ?? [] }
                s.target = s.due.keys.min()
                return (fire, s.target)
            }
            for f in fire { f() }
            await signal.wait(after: seen, timeout: target.map { .milliseconds(Int((Double($0) - t) * 1000) + 1) })
        }
    }
}
