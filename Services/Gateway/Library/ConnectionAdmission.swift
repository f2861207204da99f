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

    final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    let limit: Int
    /// Connections open now.
    let open = Count()
    /// Told each time the listener stops accepting (the `accept_paused` counter).
    let paused: @Sendable () -> Void

    init(limit: Int, paused: @escaping @Sendable () -> Void = {}) {
        self.limit = max(1, limit)
        self.paused = paused
    }

    /// The limit for a process with these open-file limits.
    init(files: FileLimits, paused: @escaping @Sendable () -> Void = {}) {
        self.init(limit: files.soft - Self.reserve, paused: paused)
    }

    var count: Int { open.value.load(ordering: .relaxed) }

    func connectionOpened() { open.value.add(1, ordering: .relaxed) }
    func connectionClosed() { open.value.subtract(1, ordering: .relaxed) }

    func isAcceptingNewConnections() -> Bool {
        guard count < limit else {
            paused()
            return false
        }
        return true
    }
}
