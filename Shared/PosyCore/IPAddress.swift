import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address and what part of the network it belongs to: where posy-notify may send
/// a webhook, which client a gateway counts a connection under.
package struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    package let bytes: [UInt8]

    package enum Scope: Equatable {
        /// The public internet.
        case global
        /// Loopback, private, shared, link-local, documentation and other reserved unicast ranges.
        case local
        /// Unspecified, multicast, broadcast: never a destination.
        case never
    }

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// A strict literal (`inet_pton`: dotted quad or RFC 4291 text), not `2130706433` or `0x7f.1`.
    package init?(literal text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }

    /// Every address `getaddrinfo` gives for `host` (which reads `2130706433` as 127.0.0.1, as
    /// any client library would).
    package static func lookup(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var out: [IPAddress] = []
        var ai = list
        while let a = ai {
            if a.pointee.ai_family == AF_INET, let sa = a.pointee.ai_addr {
                let sin = UnsafeRawPointer(sa).assumingMemoryBound(to: sockaddr_in.self).pointee
                out.append(IPAddress(bytes: withUnsafeBytes(of: sin.sin_addr) { Array($0) }))
            } else if a.pointee.ai_family == AF_INET6, let sa = a.pointee.ai_addr {
                let sin6 = UnsafeRawPointer(sa).assumingMemoryBound(to: sockaddr_in6.self).pointee
                out.append(IPAddress(bytes: withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }))
            }
            ai = a.pointee.ai_next
        }
        var seen: [IPAddress] = []
        for a in out where !seen.contains(a) { seen.append(a) }
        return seen
    }

    package var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether the first `bits` bits equal those of `prefix`.
    package func within(_ prefix: [UInt8], _ bits: Int) -> Bool {
        for i in 0..<bits {
            let mask = UInt8(0x80) >> UInt8(i % 8)
            if bytes[i / 8] & mask != prefix[i / 8] & mask { return false }
        }
        return true
    }

    package var scope: Scope {
        if bytes.count == 4 { return Self.v4Scope(self) }
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry
        // an IPv4 address that is what the packets reach.
        let tail = IPAddress(bytes: Array(bytes[12..<16]))
        if within([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96) || within([0, 0x64, 0xff, 0x9b] + [UInt8](repeating: 0, count: 8), 96) {
            return Self.v4Scope(tail)
        }
        if bytes.allSatisfy({ $0 == 0 }) { return .never }  // ::
        if within([UInt8](repeating: 0, count: 12), 96) {  // ::1 and the deprecated ::a.b.c.d
            return bytes == [UInt8](repeating: 0, count: 15) + [1] ? .local : Self.v4Scope(tail)
        }
        if bytes[0] == 0xff { return .never }  // ff00::/8 multicast
        let local: [([UInt8], Int)] = [
            ([0xfc], 7),  // unique local
            ([0xfe, 0x80], 10),  // link-local
            ([0xfe, 0xc0], 10),  // site-local (deprecated)
            ([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64),  // discard-only
            ([0x20, 0x01, 0x0d, 0xb8], 32),  // documentation
            ([0x20, 0x01, 0, 0], 32),  // Teredo: tunnels to anything
            ([0x20, 0x02], 16),  // 6to4: likewise
        ]
        return local.contains { within($0.0, $0.1) } ? .local : .global
    }

    package static func v4Scope(_ a: IPAddress) -> Scope {
        if a.within([0, 0, 0, 0], 8) || a.within([224, 0, 0, 0], 4) || a.within([240, 0, 0, 0], 4) {
            return .never  // 0/8 "this network", multicast, reserved and broadcast
        }
        let local: [([UInt8], Int)] = [
            ([10, 0, 0, 0], 8), ([100, 64, 0, 0], 10), ([127, 0, 0, 0], 8), ([169, 254, 0, 0], 16), ([172, 16, 0, 0], 12),
            ([192, 0, 0, 0], 24), ([192, 0, 2, 0], 24), ([192, 88, 99, 0], 24), ([192, 168, 0, 0], 16), ([198, 18, 0, 0], 15),
            ([198, 51, 100, 0], 24), ([203, 0, 113, 0], 24),
        ]
        return local.contains { a.within($0.0, $0.1) } ? .local : .global
    }
}
