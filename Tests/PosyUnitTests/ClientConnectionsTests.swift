import NIOCore
import PosyCore
import PosySettings
import Testing

@testable import PosyGateway

/// Connections per client address: which addresses count together, which not at all, and the share.
@Suite struct ClientConnectionsTests {
    static func address(_ ip: String, port: Int = 40_000) throws -> SocketAddress {
        try SocketAddress(ipAddress: ip, port: port)
    }

    @Test func rangesParseAndHoldTheirAddresses() throws {
        func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(literal: text)) }
        let loopback = try #require(AddressRange(cidr: "127.0.0.0/8"))
        #expect(loopback.description == "127.0.0.0/8")
        #expect(loopback.contains(try ip("127.9.8.7")))
        #expect(!loopback.contains(try ip("128.0.0.1")))
        // The IPv4-mapped IPv6 form of an address is that address.
        #expect(loopback.contains(try ip("::ffff:127.0.0.1")))
        let six = try #require(AddressRange(cidr: "2001:db8:abcd:12::/64"))
        #expect(six.contains(try ip("2001:db8:abcd:12:ffff::1")))
        #expect(!six.contains(try ip("2001:db8:abcd:13::1")))
        #expect(!six.contains(try ip("127.0.0.1")))
        // Host bits are dropped; an odd prefix keeps only its own bits.
        #expect(AddressRange(cidr: "10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(AddressRange(cidr: "192.168.255.1/17")?.description == "192.168.128.0/17")
        #expect(AddressRange(cidr: "0.0.0.0/0")?.contains(try ip("8.8.8.8")) == true)
        for bad in ["", "127.0.0.1", "127.0.0.1/33", "::1/129", "localhost/8", "10.0.0.0/-1", "10.0.0.0/8/1", "10.0.0/8", "10.0.0.0/٨"] {
            #expect(AddressRange(cidr: bad) == nil, "\(bad)")
        }
    }

    @Test func oneAddressHoldsItsShareAndAClosedOneFreesItsPlace() throws {
        let refusals = Locked(0)
        let clients = ClientConnections(perAddress: 2, exempt: []) { refusals.withLock { $0 += 1 } }
        let a = try Self.address("203.0.113.7")
        let first = clients.admit(a)
        let second = clients.admit(try Self.address("203.0.113.7", port: 40_001))
        #expect(first != .refused && second != .refused && first != .uncounted)
        #expect(clients.admit(a) == .refused)
        #expect(clients.admit(try Self.address("203.0.113.8")) != .refused, "another address has its own share")
        #expect(refusals.withLock { $0 } == 1)
        if case .counted(let key) = first { clients.release(key) }
        #expect(clients.admit(a) != .refused)
        #expect(clients.addresses == 2)
    }

    @Test func anIPv6HostCountsByItsSlash64AndMappedIPv4AsIPv4() throws {
        let clients = ClientConnections(perAddress: 1, exempt: [])
        #expect(clients.admit(try Self.address("2001:db8:1:2::10")) != .refused)
        #expect(clients.admit(try Self.address("2001:db8:1:2:aaaa::99")) == .refused, "same /64")
        #expect(clients.admit(try Self.address("2001:db8:1:3::10")) != .refused, "another /64")
        #expect(clients.admit(try Self.address("198.51.100.4")) != .refused)
        #expect(clients.admit(try Self.address("::ffff:198.51.100.4")) == .refused, "the same IPv4 client")
    }

    @Test func exemptAddressesAndNoCapAreNotCounted() throws {
        let exempt = ["127.0.0.0/8", "::1/128"].compactMap(AddressRange.init(cidr:))
        let clients = ClientConnections(perAddress: 1, exempt: exempt)
        for _ in 0..<3 {
            #expect(clients.admit(try Self.address("127.0.0.1")) == .uncounted)
            #expect(clients.admit(try Self.address("::1")) == .uncounted)
        }
        #expect(clients.admit(try SocketAddress(unixDomainSocketPath: "/tmp/posy.sock")) == .uncounted)
        let uncapped = ClientConnections(perAddress: 0, exempt: [])
        #expect(uncapped.admit(try Self.address("203.0.113.7")) == .uncounted)
        #expect(clients.addresses == 0)
    }
    /// The gateway's settings: 1,000 per address with this host exempt by default; a range that is
    /// not one, or a negative cap, stops the process at start.
    @Test func settingsResolveAndRefuseWhatIsNotARange() throws {
        let options = try GatewayOptions.parse([])
        let standard = try options.config(Settings(environment: [:]))
        #expect(standard.maxConnectionsPerAddress == 1_000)
        #expect(standard.connectionCapExempt.map(\.description) == ["127.0.0.0/8", "::1/128"])
        let set = try options.config(
            Settings(environment: ["POSY_MAX_CONNECTIONS_PER_ADDRESS": "0", "POSY_CONNECTION_CAP_EXEMPT": "10.0.0.0/8, fd00::/8"]))
        #expect(set.maxConnectionsPerAddress == 0)
        #expect(set.connectionCapExempt.map(\.description) == ["10.0.0.0/8", "fd00::/8"])
        #expect(throws: (any Error).self) { _ = try options.config(Settings(environment: ["POSY_CONNECTION_CAP_EXEMPT": "10.0.0.0/33"])) }
        #expect(throws: (any Error).self) {
            _ = try options.config(Settings(environment: ["POSY_CONNECTION_CAP_EXEMPT": "proxy.local/32"]))
        }
        #expect(throws: (any Error).self) { _ = try options.config(Settings(environment: ["POSY_MAX_CONNECTIONS_PER_ADDRESS": "-1"])) }
        let flagged = try GatewayOptions.parse(["--max-connections-per-address", "50", "--connection-cap-exempt", "192.0.2.1/32"])
            .config(Settings(environment: [:]))
        #expect(flagged.maxConnectionsPerAddress == 50 && flagged.connectionCapExempt.map(\.description) == ["192.0.2.1/32"])
    }
}
