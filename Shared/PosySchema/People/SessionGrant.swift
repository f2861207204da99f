/// A session opened from a sign-in code or refreshed: the gateway mints the short-lived access
/// token for it; `refresh` (only when the session is opened) renews it until `expiresAt`.
public struct SessionGrant: Codable, Sendable, Equatable {
    /// The session id, the tokens' `sid` claim.
    public var sid: String
    public var refresh: String?
    public var person: Person
    /// Whether the person manages the shop (people, API keys).
    public var manager: Bool
    /// When the refresh credential stops working.
    public var expiresAt: String

    public init(sid: String, refresh: String?, person: Person, manager: Bool, expiresAt: String) {
        self.sid = sid
        self.refresh = refresh
        self.person = person
        self.manager = manager
        self.expiresAt = expiresAt
    }
}
