import PosySchema

/// Who an RPC call is made for, as it travels in the request's `caller` member: a person the
/// gateway verified from a bearer token, or a Posy service calling as itself. Clients write it from
/// a ``Viewer`` and servers read it back into one (``RPCAccess``); no handler sees this form
/// (docs/protocol.md, "Who may call what").
public struct RPCCaller: Codable, Sendable, Equatable {
    public var sub: String?
    public var role: Role?
    public var shop: String?
    public var order: String?
    /// Set instead of the above when a service calls (`location`, `receipts`).
    public var service: String?

    /// Its members in the order ``RPCAccess/caller(in:)`` reads them (by hand, not with JSONDecoder).
    static let keys = ["sub", "role", "shop", "order", "service"]

    /// Appends the caller as a JSON object: its members in ``keys`` order, absent ones left out.
    /// Written by hand, as every RPC request carries one (JSONEncoder was a twentieth of a gateway's
    /// samples relaying positions: docs/performance.md, "Location").
    public func appendJSON(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        func member(_ key: String, _ value: String?) {
            guard let value else { return }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSON.appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSON.appendQuoted(value, to: &out)
        }
        member(Self.keys[0], sub)
        member(Self.keys[1], role?.rawValue)
        member(Self.keys[2], shop)
        member(Self.keys[3], order)
        member(Self.keys[4], service)
        out.append(UInt8(ascii: "}"))
    }

    public init(sub: String? = nil, role: Role? = nil, shop: String? = nil, order: String? = nil, service: String? = nil) {
        self.sub = sub
        self.role = role
        self.shop = shop
        self.order = order
        self.service = service
    }
}
