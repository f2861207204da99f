import Foundation

/// A range of client addresses in CIDR form (`127.0.0.0/8`, `::1/128`, `2001:db8::/32`): those
/// the per-address connection cap leaves alone (``ClientConnections``). An IPv4 range also holds
/// the IPv4-mapped IPv6 form of its addresses.
struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// The network's bytes (4 or 16), zero past the prefix.
    let network: [UInt8]
    let prefixLength: Int

    /// nil for anything but `address/length` with a numeric IPv4 or IPv6 address and a length that fits it.
    init?(cidr text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bytes = Self.parse(String(parts[0])), let length = Int(parts[1]),
            parts[1].allSatisfy(\.isASCII), (0...bytes.count * 8).contains(length)
        else { return nil }
        network = Self.masked(bytes, length)
        prefixLength = length
    }

    /// Whether `address` (4 or 16 bytes) lies in the range.
    func contains(_ address: [UInt8]) -> Bool {
        let address = address.count == 16 && network.count == 4 ? Self.unmappedIPv4(address) ?? address : address
        return address.count == network.count && Self.masked(address, prefixLength) == network
    }

    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        network.withUnsafeBytes { raw in
            _ = inet_ntop(network.count == 4 ? AF_INET : AF_INET6, raw.baseAddress, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/\(prefixLength)"
    }

    /// The bytes of a numeric IPv4 or IPv6 address, nil for anything else (no names are looked up).
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:a.b.c.d`).
    static func unmappedIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return nil }
        return Array(bytes[12..<16])
    }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { i, b in
            let bits = min(8, max(0, length - 8 * i))
            return bits == 8 ? b : b & ~(UInt8(0xff) >> bits)
        }
    }
}
