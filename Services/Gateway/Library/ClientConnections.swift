import NIOCore
import PosyCore
import Synchronization

/// How many connections each client address holds on this gateway at once: one more is answered
/// 429 and closed at once, before it is read (docs/architecture.md, "Connections"). Without it, one
/// host could take every descriptor the gateway's listener may use (``ConnectionAdmission``) and
/// hold the city's clients in the kernel's backlog. An IPv6 client counts by its /64, which one
/// host may fill with addresses; addresses in `exempt` (this host's own, a proxy in front) and
/// connections with no IP address are not counted.
final class ClientConnections: Sendable {
    /// Most connections one address holds; 0: no cap.
    let perAddress: Int
    let exempt: [AddressRange]
    private let open = Mutex<[[UInt8]: Int]>([:])
    /// Told each time a connection is refused (the `connections_refused_address` counter).
    private let refused: @Sendable () -> Void

    /// What becomes of a new connection.
    enum Admission: Sendable, Equatable {
        /// Not counted (no cap, an exempt address, no IP address).
        case uncounted
        /// Counted under `key`: ``release(_:)`` it once, when the connection closes.
        case counted(key: [UInt8])
        /// The address holds its share: answer 429 and close.
        case refused
    }

    init(perAddress: Int, exempt: [AddressRange], refused: @escaping @Sendable () -> Void = {}) {
        self.perAddress = max(0, perAddress)
        self.exempt = exempt
        self.refused = refused
    }

    /// Counts a new connection from `address`, or refuses it.
    func admit(_ address: SocketAddress?) -> Admission {
        guard perAddress > 0, let key = key(address) else { return .uncounted }
        let admitted = open.withLock { open -> Bool in
            let held = open[key, default: 0]
            guard held < perAddress else { return false }
            open[key] = held + 1
            return true
        }
        guard admitted else {
            refused()
            return .refused
        }
        return .counted(key: key)
    }

    /// A connection counted under `key` closed.
    func release(_ key: [UInt8]) {
        open.withLock { open in
            guard let held = open[key] else { return }
            if held <= 1 { open[key] = nil } else { open[key] = held - 1 }
        }
    }

    /// Addresses holding connections now (for `stats`).
    var addresses: Int { open.withLock { $0.count } }

    /// What `address` is counted under: its IPv4 bytes, or the first 8 bytes (the /64) of an IPv6
    /// one; nil when it is not counted.
    func key(_ address: SocketAddress?) -> [UInt8]? {
        guard let ip = Self.ipAddress(address), !exempt.contains(where: { $0.contains(ip) }) else { return nil }
        let client = AddressRange.unmappedIPv4(ip) ?? ip
        return client.bytes.count == 16 ? Array(client.bytes.prefix(8)) : client.bytes
    }

    /// The IP address of a connection's peer, nil for a Unix socket.
    static func ipAddress(_ address: SocketAddress?) -> IPAddress? {
        switch address {
        case .v4(let a): IPAddress(bytes: withUnsafeBytes(of: a.address.sin_addr) { Array($0) })
        case .v6(let a): IPAddress(bytes: withUnsafeBytes(of: a.address.sin6_addr) { Array($0) })
        default: nil
        }
    }
}
