/// `fleet.access.ended`: sessions and API keys that grant nothing from now on.
public struct AccessEnded: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var shopId: String
    public var sessions: [String]
    public var apiKeys: [String]
    /// `signed_out`, `removed`, `revoked`.
    public var reason: String
    public var at: String

    public init(shopId: String, sessions: [String] = [], apiKeys: [String] = [], reason: String, at: String) {
        self.shopId = shopId
        self.sessions = sessions
        self.apiKeys = apiKeys
        self.reason = reason
        self.at = at
    }
}
