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
final class StreamCapacity: Sendable {
    /// Descriptors kept below the open-file limit for what is not a stream.
    static let reserve = 256
    /// Seconds a refused client is told to wait.
    static let retryAfter = 5

    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = max(1, limit) }

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
}
