import Foundation
import Synchronization

/// Writes to a store held back while several stores are snapshotted at one instant
/// (docs/architecture.md, "Backup and restore"). The writer waits until ``release()`` or its limit,
/// whichever comes first.
public final class StoreHold: Sendable {
    public let snapshot: StoreSnapshot
    private let released = DispatchSemaphore(value: 0)
    private let state = Atomic<Int>(0)  // 0 holding, 1 released, 2 ran out

    init(snapshot: StoreSnapshot) { self.snapshot = snapshot }

    /// Lets writes go on. True when the writes were held from the snapshot until now — false when
    /// the limit ran out first (another store's snapshot may then have seen later writes of this one).
    @discardableResult
    public func release() -> Bool {
        let (exchanged, original) = state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing)
        if exchanged { released.signal() }
        return exchanged || original == 1
    }

    /// On the writer's thread: waits for ``release()`` or `limit`.
    func wait(limit: Duration) {
        let ms = Int(limit.components.seconds * 1000) + Int(limit.components.attoseconds / 1_000_000_000_000_000)
        if released.wait(timeout: .now() + .milliseconds(ms)) == .timedOut {
            if !state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged {
                released.wait()  // released at the last moment: take its signal
            }
        }
    }
}
