/// Someone who signs in to a shop's faces: staff, a manager (staff who also manage people and API
/// keys) or a courier (docs/protocol.md, "Sign-in and sessions").
public struct Person: Codable, Sendable, Equatable {
    public var v: Int = 1
    /// The token's `sub`: `p…` for staff and managers, the courier's id for a courier.
    public var id: String
    public var shopId: String
    public var role: PersonRole
    public var name: String
    public var courierId: String?
    public var createdAt: String
    /// When the person first signed in (nil while the invitation is open).
    public var joinedAt: String?
    public var removedAt: String?

    public init(
        id: String, shopId: String, role: PersonRole, name: String, courierId: String? = nil, createdAt: String,
        joinedAt: String? = nil, removedAt: String? = nil
    ) {
        self.id = id
        self.shopId = shopId
        self.role = role
        self.name = name
        self.courierId = courierId
        self.createdAt = createdAt
        self.joinedAt = joinedAt
        self.removedAt = removedAt
    }
}

/// What a person does for a shop. Managers sign in with the `staff` token role; posy-orders knows
/// they may also invite and remove people and manage API keys.
public enum PersonRole: String, Codable, Sendable, CaseIterable {
    case staff, manager, courier

    /// The role their tokens carry.
    public var tokenRole: String { self == .courier ? "courier" : "staff" }
}
