/// A shop's webhook: the durable events it wants (exact types, or prefixes ending in
/// `*` such as `order.*`), POSTed to `url` and signed with `secret` (see ``WebhookSignature``).
public struct Webhook: Codable, Sendable, Equatable {
    public var id: String
    public var shopId: String
    public var url: String
    public var events: [String]
    /// Returned once, when the webhook is created; never again.
    public var secret: String?
    public var createdAt: String

    public init(id: String, shopId: String, url: String, events: [String], secret: String?, createdAt: String) {
        self.id = id
        self.shopId = shopId
        self.url = url
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
    }

    /// Whether `pattern` (an exact type or a `prefix*`) matches the event type.
    public static func matches(_ pattern: String, _ type: String) -> Bool {
        pattern.hasSuffix("*") ? type.hasPrefix(pattern.dropLast()) : pattern == type
    }
}
