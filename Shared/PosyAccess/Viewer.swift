/// Who is looking at or acting on an order: a user from a verified token, or a Posy service
/// calling over RPC (location sets `arriving`, receipts `delivered`).
public enum Viewer: Sendable, Equatable {
    case user(sub: String, role: Role, shop: String?, order: String?)
    case service(String)

    public init(_ claims: TokenClaims) {
        self = .user(sub: claims.sub, role: claims.role, shop: claims.shop, order: claims.order)
    }
}

extension Viewer {
    /// The operator: a user with the admin role.
    public var isAdmin: Bool {
        if case .user(_, .admin, _, _) = self { return true }
        return false
    }

    /// An admin, or staff of `shop`. Services are not staff.
    public func isStaff(of shop: String) -> Bool {
        if case .user(_, let role, let s, _) = self { return role == .admin || (role == .staff && s == shop) }
        return false
    }

    /// The customer `customerId`, with a token valid for `orderId` (a tracking link names one order).
    public func isCustomer(_ customerId: String?, of orderId: String) -> Bool {
        guard case .user(let sub, .customer, _, let scope) = self, let customerId else { return false }
        return sub == customerId && (scope == nil || scope == orderId)
    }

    /// A customer's tracking link: a token limited to one order, made to be forwarded. It may follow
    /// the order, chat, ask for changes the shop then decides and answer the delivery — never
    /// redirect or cancel the flowers (docs/protocol.md, "What a tracking link may do").
    public var isTrackingLink: Bool {
        if case .user(_, .customer, _, let scope) = self { return scope != nil }
        return false
    }

    /// A Posy service calling over RPC.
    public var isService: Bool {
        if case .service = self { return true }
        return false
    }

    /// How the viewer is recorded as an actor: `role:sub` (`staff:st1`) or `service:<name>`.
    public var actor: String {
        switch self {
        case .user(let sub, let role, _, _): "\(role.rawValue):\(sub)"
        case .service(let name): "service:\(name)"
        }
    }

    /// The courier `courierId` of `shop`.
    public func isCourier(_ courierId: String?, of shop: String) -> Bool {
        guard case .user(let sub, .courier, let s, _) = self, let courierId else { return false }
        return sub == courierId && s == shop
    }
}
