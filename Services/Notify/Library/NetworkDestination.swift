import Foundation
import PosyCore
import PosySchema
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where an outbound call made on a shop's behalf may go. A webhook URL is the shop's input: without
/// this check it reaches the suite's own RPC and bus ports, other hosts of the private network, or a
/// cloud's metadata service (docs/operations.md, "Outbound destinations").
///
/// The host is resolved here and every address it resolves to must be public; the call is then
/// pinned to the address that was checked, so a DNS answer that changes between the check and the
/// connect (rebinding) cannot move it. `allowLocal` (the operator's `--allow-local-targets`, for
/// tests and local sinks) admits loopback, private and link-local addresses; unspecified,
/// multicast and broadcast addresses are never a destination.
struct NetworkDestination: Sendable, Equatable {
    /// The URL's host as written (brackets of an IPv6 literal removed).
    var host: String
    /// The checked address to connect to, as text (`203.0.113.9`, `2001:db8::1`).
    var address: String
    /// Whether `host` is itself an address (then there is nothing to pin).
    var isLiteral: Bool

    enum Refusal: Error, Equatable, CustomStringConvertible {
        /// Not an http(s) URL Posy calls: scheme, user info, port, length.
        case badURL(String)
        /// The host resolves to an address outside the public internet.
        case notAllowed(String)
        /// The host does not resolve.
        case unresolved

        var description: String {
            switch self {
            case .badURL(let why): "url: \(why)"
            case .notAllowed(let what): "destination not allowed: \(what)"
            case .unresolved: "host does not resolve"
            }
        }
    }

    /// The host of an http(s) URL a webhook may have, or why not.
    /// `allowLocal` (`--allow-local-targets`) also admits names that only local networks have.
    static func host(of text: String, allowLocal: Bool = false) throws(Refusal) -> String {
        guard text.utf8.count <= 2048, let url = URLComponents(string: text) else { throw .badURL("not a URL") }
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else { throw .badURL("http or https only") }
        guard url.user == nil, url.password == nil else { throw .badURL("no user:password@ in the URL") }
        guard var host = url.host, !host.isEmpty else { throw .badURL("a host is required") }
        if let port = url.port, !(1...65535).contains(port) { throw .badURL("port 1–65535") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }), url.percentEncodedHost?.contains("%") != true else {
            throw .badURL("the host has spaces, control characters or percent-encoding")
        }
        if IPAddress(literal: host) != nil { return host }
        return try canonicalName(host, allowLocal: allowLocal)
    }

    /// Special-use names (RFC 6761, 6762, 8375, and what resolvers treat as local) that name no host
    /// on the public internet, however they resolve here.
    static let localSuffixes = [
        "localhost", "localdomain", "local", "internal", "intranet", "lan", "home", "home.arpa", "corp", "test", "invalid", "example",
        "onion",
    ]

    /// A host name as DNS spells it on the internet, lower-cased: letter-digit-hyphen labels, no empty
    /// one (`localhost.` is `localhost`), at least two labels, and not a special-use name. Each
    /// spelling of a host has one form, so no list of refused names is outrun by another spelling.
    static func canonicalName(_ host: String, allowLocal: Bool = false) throws(Refusal) -> String {
        let name = host.lowercased()
        guard EmailAddress.isDomain(ArraySlice(name.utf8)) else {
            throw .badURL("'\(host.prefix(80))' is not a host name (labels of letters, digits and hyphens, no empty one)")
        }
        if allowLocal { return name }
        let labels = name.split(separator: ".")
        guard labels.count >= 2 else { throw .notAllowed("'\(name)' is a single-label name, no host on the internet") }
        if let special = localSuffixes.first(where: { name == $0 || name.hasSuffix("." + $0) }) {
            throw .notAllowed("'\(name)' is under .\(special), a name for local networks or tests")
        }
        return name
    }

    /// Resolves `host` (on a thread of its own: `getaddrinfo` blocks) and checks every address. A
    /// lookup not answered `within` counts as unresolved: a resolver that drops a packet retries
    /// after seconds, longer than the RPC that asked may wait.
    static func resolve(
        _ host: String, allowLocal: Bool, within: Duration = .seconds(10),
        lookup: @escaping @Sendable (String) -> [IPAddress] = IPAddress.lookup
    ) async throws(Refusal) -> NetworkDestination {
        if let literal = IPAddress(literal: host) {
            try check(literal, allowLocal: allowLocal)
            return NetworkDestination(host: host, address: literal.description, isLiteral: true)
        }
        let addresses = await withCheckedContinuation { (c: CheckedContinuation<[IPAddress], Never>) in
            let answer = FirstAnswer(c)
            DispatchQueue.global().async { answer.give(lookup(host)) }
            DispatchQueue.global().asyncAfter(deadline: .now() + within.seconds) { answer.give([]) }
        }
        guard let first = addresses.first else { throw .unresolved }
        for a in addresses { try check(a, allowLocal: allowLocal) }
        return NetworkDestination(host: host, address: first.description, isLiteral: false)
    }

    /// Resumes a lookup's continuation with whichever comes first, the answer or the deadline.
    private final class FirstAnswer: Sendable {
        let pending: Mutex<CheckedContinuation<[IPAddress], Never>?>
        init(_ c: CheckedContinuation<[IPAddress], Never>) { pending = Mutex(c) }
        func give(_ addresses: [IPAddress]) {
            pending.withLock { c in
                c?.resume(returning: addresses)
                c = nil
            }
        }
    }

    static func check(_ address: IPAddress, allowLocal: Bool) throws(Refusal) {
        switch address.scope {
        case .global: return
        case .local where allowLocal: return
        case .local: throw .notAllowed("\(address) is a loopback, private, link-local or reserved address")
        case .never: throw .notAllowed("\(address) is not a unicast address")
        }
    }
}
