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

    public init(sub: String? = nil, role: Role? = nil, shop: String? = nil, order: String? = nil, service: String? = nil) {
        self.sub = sub
        self.role = role
        self.shop = shop
        self.order = order
        self.service = service
    }
}
