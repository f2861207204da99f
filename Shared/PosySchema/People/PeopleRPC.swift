/// RPC methods of `posy-orders` for people, sessions and API keys (docs/protocol.md, "Sign-in and
/// sessions", "API keys"). Secrets (codes, refresh credentials, keys) travel only in these requests
/// and replies; posy-orders stores their SHA-256.
public enum PeopleRPC {
    /// `{caller, shopId, role, name, courierId?, ttlSeconds?}` → ``Invite``: admins and the shop's managers.
    public static let invite = RPC<InviteRequest, Invite>(
        ServiceName.orders, "orders.people.invite", grant: RPCGrant(people: [ServiceName.gateway, ServiceName.cli]))
    /// `{caller, shopId}` → `[Person]`: staff of the shop.
    public static let list = RPC<ShopRef, [Person]>(ServiceName.orders, "orders.people.list", grant: .gateway)
    /// `{caller, shopId, id}` → ``Person``: removed, every session of theirs ended.
    public static let remove = RPC<ItemRequest, Person>(ServiceName.orders, "orders.people.remove", grant: .gateway)
    /// `{code}` → ``SessionGrant`` with its refresh credential: the invitation is used up.
    public static let openSession = RPC<CodeRequest, SessionGrant>(ServiceName.orders, "orders.sessions.open", grant: .gateway)
    /// `{code: refresh}` → ``SessionGrant`` without one: the session is still open.
    public static let refreshSession = RPC<CodeRequest, SessionGrant>(ServiceName.orders, "orders.sessions.refresh", grant: .gateway)
    /// `{caller, id: sid}` → ``AccessEnded``: the caller's own session.
    public static let endSession = RPC<ItemRequest, AccessEnded>(ServiceName.orders, "orders.sessions.end", grant: .gateway)
    /// `{sessions, apiKeys}` → the same, listing those that no longer grant access.
    public static let check = RPC<AccessCheck, AccessCheck>(ServiceName.orders, "orders.sessions.check", grant: .gateway)
    /// `{caller, shopId, name, scopes}` → ``APIKey`` with its `key`, once.
    public static let createKey = RPC<KeyRequest, APIKey>(ServiceName.orders, "orders.apikeys.create", grant: .gateway)
    /// `{caller, shopId}` → `[APIKey]` (no secrets).
    public static let listKeys = RPC<ShopRef, [APIKey]>(ServiceName.orders, "orders.apikeys.list", grant: .gateway)
    /// `{caller, shopId, id}` → ``APIKey``, revoked.
    public static let revokeKey = RPC<ItemRequest, APIKey>(ServiceName.orders, "orders.apikeys.revoke", grant: .gateway)
    /// `{code: key}` → ``APIKey`` when the key is live (its last use recorded), else `unauthorized`.
    public static let verifyKey = RPC<CodeRequest, APIKey>(ServiceName.orders, "orders.apikeys.verify", grant: .gateway)

    public struct InviteRequest: Codable, Sendable {
        public var shopId: String
        public var role: PersonRole
        public var name: String
        public var courierId: String?
        public var ttlSeconds: Int?
        public init(shopId: String, role: PersonRole, name: String, courierId: String?, ttlSeconds: Int?) {
            self.shopId = shopId
            self.role = role
            self.name = name
            self.courierId = courierId
            self.ttlSeconds = ttlSeconds
        }
    }

    public struct ItemRequest: Codable, Sendable {
        public var shopId: String
        public var id: String
        public init(shopId: String, id: String) {
            self.shopId = shopId
            self.id = id
        }
    }

    public struct CodeRequest: Codable, Sendable {
        public var code: String
        public init(code: String) { self.code = code }
    }

    public struct KeyRequest: Codable, Sendable {
        public var shopId: String
        public var name: String
        public var scopes: [APIScope]
        public init(shopId: String, name: String, scopes: [APIScope]) {
            self.shopId = shopId
            self.name = name
            self.scopes = scopes
        }
    }

    public struct AccessCheck: Codable, Sendable, Equatable {
        public var sessions: [String]
        public var apiKeys: [String]
        public init(sessions: [String], apiKeys: [String] = []) {
            self.sessions = sessions
            self.apiKeys = apiKeys
        }
    }
}
