/// A key a shop's own system calls the API with (docs/protocol.md, "API keys"). Posy keeps only a
/// hash of the secret; `key` is set once, in the reply that created it.
public struct APIKey: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var id: String
    public var shopId: String
    public var name: String
    public var scopes: [APIScope]
    public var createdAt: String
    public var createdBy: String
    public var lastUsedAt: String?
    public var revokedAt: String?
    /// `posy_<id>_<secret>`: the whole bearer value, only in the reply to its creation.
    public var key: String?

    public init(
        id: String, shopId: String, name: String, scopes: [APIScope], createdAt: String, createdBy: String,
        lastUsedAt: String? = nil, revokedAt: String? = nil, key: String? = nil
    ) {
        self.id = id
        self.shopId = shopId
        self.name = name
        self.scopes = scopes
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.key = key
    }

    /// The bearer value's prefix that tells an API key from a token.
    public static let prefix = "posy_"
}

/// What an API key may do.
public enum APIScope: String, Codable, Sendable, CaseIterable {
    /// Read the shop's orders, their timelines and tracking.
    case ordersRead = "orders:read"
    /// Create orders and move them (confirm, assign, cancel, changes).
    case ordersWrite = "orders:write"
    /// Manage the shop's webhooks and their deliveries.
    case webhooks
}
