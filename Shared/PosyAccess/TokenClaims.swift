/// The claims of a Posy bearer token.
public struct TokenClaims: Codable, Sendable, Equatable {
    /// The user id.
    public var sub: String
    public var role: Role
    /// The shop a staff member or courier belongs to.
    public var shop: String?
    /// Restricts the token to one order (a customer's tracking link).
    public var order: String?
    /// Issued at / expires at, seconds since 1970.
    public var iat: Int64
    public var exp: Int64
    /// The session a signed-in person's token belongs to: the gateway refuses it once the session
    /// ends (sign-out, the person removed). Tokens minted by the operator have none.
    public var sid: String?

    public init(
        sub: String, role: Role, shop: String? = nil, order: String? = nil, iat: Int64, exp: Int64, sid: String? = nil
    ) {
        self.sid = sid
        self.sub = sub
        self.role = role
        self.shop = shop
        self.order = order
        self.iat = iat
        self.exp = exp
    }
}
