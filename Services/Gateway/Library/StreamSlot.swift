import Synchronization

/// One live stream's place in ``StreamCapacity``, taken before its upgrade is answered. It is given
/// back once: when the stream ends, when the upgrade is refused or its connection goes first, and
/// at the latest when nothing holds it any more — so no path out of an upgrade keeps a place.
final class StreamSlot: Sendable {
    private let capacity: StreamCapacity
    private let held = Atomic<Bool>(true)
    /// The person whose place this also is, once known (``hold(person:)``).
    private let person = Mutex<String?>(nil)

    init(capacity: StreamCapacity) { self.capacity = capacity }

    /// Makes this place also one of `person`'s; false when they hold all theirs already.
    func hold(person: String) -> Bool {
        guard capacity.admit(person) else { return false }
        self.person.withLock { $0 = person }
        return true
    }

    func release() {
        guard held.exchange(false, ordering: .relaxed) else { return }
        capacity.giveBack()
        if let person = person.withLock({ $0 }) { capacity.leave(person) }
    }

    deinit { release() }
}
