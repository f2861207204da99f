import PosyCore
import Synchronization

/// How many live streams this gateway holds: by default its open-file limit less a reserve for
/// plain requests and everything else a gateway opens (`--max-streams` sets it). One more is
/// refused before the upgrade with 503 and `Retry-After` — a client tries again, or another
/// gateway sharing the port takes it — and counted in `stream_refused_capacity` (docs/operations.md,
/// "Open files").
///
/// A place is taken (``take()``) when the upgrade request is judged, before it is answered, and
/// given back when the stream ends (``StreamSlot``): checking and counting in one step, so that
/// two upgrades arriving together, or one arriving while the last one admitted is still being set
/// up, never both get the last place.
///
/// One person (a token's role and subject) holds at most ``perPerson`` of the places: a leaked or
/// hostile client with one tracking link cannot take every stream of the gateway
/// (`--max-streams-per-person`; one more is refused with 429, `stream_refused_person`).
final class StreamCapacity: Sendable {
    /// Descriptors kept below the open-file limit for what is not a stream.
    static let reserve = 256
    /// Seconds a refused client is told to wait.
    static let retryAfter = 5

    let limit: Int
    /// Places one person may hold; 0: no cap.
    let perPerson: Int
    private let open = Atomic<Int>(0)
    private let people = Mutex<[String: Int]>([:])

    init(limit: Int, perPerson: Int = 0) {
        self.limit = max(1, limit)
        self.perPerson = max(0, perPerson)
    }

    /// The default for a process with these open-file limits.
    static func limit(for files: FileLimits) -> Int { max(1, files.soft - reserve) }

    var count: Int { open.load(ordering: .relaxed) }
    var isFull: Bool { count >= limit }

    /// A place for one more stream, or nil when every place is taken.
    func take() -> StreamSlot? {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (taken, now) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if taken { return StreamSlot(capacity: self) }
            current = now
        }
        return nil
    }

    /// Only ``StreamSlot`` gives a place back, once.
    func giveBack() { open.subtract(1, ordering: .relaxed) }

    /// Counts one more stream for `person`, or refuses when they hold ``perPerson`` already.
    func admit(_ person: String) -> Bool {
        guard perPerson > 0 else { return true }
        return people.withLock { all in
            let held = all[person, default: 0]
            guard held < perPerson else { return false }
            all[person] = held + 1
            return true
        }
    }

    /// Only ``StreamSlot`` gives a person's place back, once.
    func leave(_ person: String) {
        guard perPerson > 0 else { return }
        people.withLock { all in
            let held = all[person, default: 0] - 1
            all[person] = held > 0 ? held : nil
        }
    }

    /// People holding at least one stream (0 without a cap).
    var persons: Int { people.withLock { $0.count } }
}
