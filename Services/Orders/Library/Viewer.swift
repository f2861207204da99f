import PosyAuth

/// Who is looking at or acting on an order: a user from a verified token, or a Posy service
/// calling over RPC (location sets `arriving`, receipts `delivered`).
public enum Viewer: Sendable, Equatable {
    case user(sub: String, role: Role, shop: String?, order: String?)
    case service(String)

    public init(_ claims: TokenClaims) {
        self = .user(sub: claims.sub, role: claims.role, shop: claims.shop, order: claims.order)
    }
}
