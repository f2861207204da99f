/// The data of a chat push on the bus (ephemeral, topic `to.<userId>.` or `shop.<shopId>.`):
/// the push's body and each member's unread count, from which the gateway gives every connection
/// its own. `role` is the audience's role (a push to `to.c1.` for the customer is not for a courier
/// who happens to be named `c1`); nil for a shop topic.
public struct ChatPush: Codable, Sendable, Equatable {
    public var conversationId: String
    public var role: String?
    public var unread: [String: Int]?
    /// The unread count of a staff member missing from `unread` (one who never read or wrote there).
    public var unreadElse: Int?
    /// Set when the push is for one user only (their own cursors after an ack on another device).
    public var only: String?
    public var body: JSONValue

    public init(conversationId: String, role: String?, unread: [String: Int]?, unreadElse: Int? = nil, only: String? = nil,
                body: JSONValue)
    {
        self.conversationId = conversationId
        self.role = role
        self.unread = unread
        self.unreadElse = unreadElse
        self.only = only
        self.body = body
    }

    /// The topic of pushes to the staff of `shopId`.
    public static func shopTopic(_ shopId: String) -> String { "shop.\(shopId)." }
}
