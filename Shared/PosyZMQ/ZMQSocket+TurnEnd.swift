import Foundation

extension ZMQSocket {
    /// What a socket's thread was asked to do at the end of its current turn (``atEndOfTurn(_:)``).
    /// Only that thread touches it.
    final class TurnEnd {
        private var actions: [() -> Void] = []

        func add(_ action: @escaping () -> Void) { actions.append(action) }

        /// Runs what was asked, including what those actions ask in turn.
        func run() {
            while !actions.isEmpty {
                let now = actions
                actions.removeAll()
                for action in now { action() }
            }
        }
    }

    private static let turnEndKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create")
        return key
    }()

    /// Makes `turnEnd` the calling thread's (a socket loop's, for its lifetime), or none.
    static func setTurnEnd(_ turnEnd: TurnEnd?) {
        pthread_setspecific(turnEndKey, turnEnd.map { Unmanaged.passUnretained($0).toOpaque() })
    }

    /// Whether the calling thread is a socket loop's (where ``atEndOfTurn(_:)`` works).
    public static var onLoopThread: Bool { pthread_getspecific(turnEndKey) != nil }

    /// On a socket's own thread, runs `action` at the end of the loop's current turn: after the
    /// tasks that were due and what arrived were handled, before the thread waits again. What the
    /// turn's tasks queued for one store then commits together, on this thread, with no other
    /// thread woken (docs/architecture.md, "Threads"). False, and nothing arranged, on any other thread.
    public static func atEndOfTurn(_ action: @escaping () -> Void) -> Bool {
        guard let raw = pthread_getspecific(turnEndKey) else { return false }
        Unmanaged<TurnEnd>.fromOpaque(raw).takeUnretainedValue().add(action)
        return true
    }
}
