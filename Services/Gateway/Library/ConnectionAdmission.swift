import HummingbirdCore
import PosyCore
import Synchronization

/// How many connections the gateway's listener holds at once: its open-file limit less a reserve
/// for what is not a client (the bus, RPC connections, files), so that `accept` never fails for want
/// of a descriptor (docs/operations.md, "Open files"). At the limit the listener stops accepting
/// until a connection closes; new ones wait in the kernel's backlog. Live streams stop earlier, at
/// ``StreamCapacity``, with a 503: this is the last guard.
struct ConnectionAdmission: AvailableConnectionsDelegate {
    /// Descriptors kept for everything that is not a client connection.
    static let reserve = 192

    final class Counts: Sendable {
        let open = Atomic<Int>(0)
        let paused = Atomic<Int>(0)
    }

    let limit: Int
    let counts = Counts()

    init(limit: Int) { self.limit = max(1, limit) }

    /// The limit for a process with these open-file limits.
    init(files: FileLimits) { self.init(limit: files.soft - Self.reserve) }

    func connectionOpened() { counts.open.add(1, ordering: .relaxed) }
    func connectionClosed() { counts.open.subtract(1, ordering: .relaxed) }

    func isAcceptingNewConnections() -> Bool {
        guard counts.open.load(ordering: .relaxed) < limit else {
            counts.paused.add(1, ordering: .relaxed)
            return false
        }
        return true
    }
}
