import PosyCore

/// A range of client addresses in CIDR form (`127.0.0.0/8`, `::1/128`, `2001:db8::/32`): those
/// the per-address connection cap leaves alone (``ClientConnections``). An IPv4 range also holds
/// the IPv4-mapped IPv6 form of its addresses.
struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// The network, zero past the prefix.
    let network: IPAddress
    let prefixLength: Int

    /// nil for anything but `address/length` with a literal IPv4 or IPv6 address and a length that fits it.
    init?(cidr text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(literal: String(parts[0])), parts[1].allSatisfy(\.isASCII),
            let length = Int(parts[1]), (0...address.bytes.count * 8).contains(length)
        else { return nil }
        network = IPAddress(
            bytes: address.bytes.enumerated().map { i, b in
                let bits = min(8, max(0, length - 8 * i))
                return bits == 8 ? b : b & ~(UInt8(0xff) >> bits)
            })
        prefixLength = length
    }

    func contains(_ address: IPAddress) -> Bool {
        let address = network.bytes.count == 4 ? Self.unmappedIPv4(address) ?? address : address
        return address.bytes.count == network.bytes.count && address.within(network.bytes, prefixLength)
    }

    var description: String { "\(network)/\(prefixLength)" }

    /// The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:a.b.c.d`), which is the client's.
    static func unmappedIPv4(_ address: IPAddress) -> IPAddress? {
        guard address.bytes.count == 16, address.within([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96) else { return nil }
        return IPAddress(bytes: Array(address.bytes[12..<16]))
    }
}
