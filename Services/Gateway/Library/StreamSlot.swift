import Synchronization

/// One live stream's place in ``StreamCapacity``, taken before its upgrade is answered. It is given
/// back once: when the stream ends, when the upgrade is refused or its connection goes first, and
/// at the latest when nothing holds it any more — so no path out of an upgrade keeps a place.
final class StreamSlot: Sendable {
    private let capacity: StreamCapacity
    private let held = Atomic<Bool>(true)

    init(capacity: StreamCapacity) { self.capacity = capacity }

    func release() {
        if held.exchange(false, ordering: .relaxed) { capacity.giveBack() }
    }

    deinit { release() }
}
