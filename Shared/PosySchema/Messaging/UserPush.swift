import Foundation

/// The data of a push to users on the bus (ephemeral, topic `to.<userId>.` or `shop.<shopId>.`): chat
/// pushes, live positions (no `conversationId` on the staff map's) and notifications. It carries
/// each member's unread count, from which the gateway gives every connection its own, then the
/// push's body, last and `bodyLength` bytes long, so a reader takes its bytes without re-encoding:
/// `{"conversationId":…,"role":…,"only":…,"unread":{…},"unreadElse":n,"bodyLength":n,"body":{…}}`.
/// `role` is the audience's role (a push to `to.c1.` for the customer is not for a courier who
/// happens to be named `c1`); nil for a shop topic. `orderId` names the order the push is about
/// (nil for a direct conversation or news of no order): a connection holding a tracking link
/// receives only its own order's pushes.
public struct UserPush: Codable, Sendable, Equatable {
    public var conversationId: String?
    public var orderId: String?
    public var role: String?
    public var unread: [String: Int]?
    /// The unread count of a staff member missing from `unread` (one who never read or wrote there).
    public var unreadElse: Int?
    /// Set when the push is for one user only (their own cursors after an ack on another device).
    public var only: String?
    public var bodyLength: Int

    public init(
        conversationId: String?, orderId: String?, role: String?, unread: [String: Int]?, unreadElse: Int? = nil,
        only: String? = nil
    ) {
        self.conversationId = conversationId
        self.orderId = orderId
        self.role = role
        self.unread = unread
        self.unreadElse = unreadElse
        self.only = only
        self.bodyLength = 0
    }

    /// The topic of pushes to the staff of `shopId`.
    public static func shopTopic(_ shopId: String) -> String { Topic.shop(shopId) }

    /// The push's bytes with `body` (JSON) at the end.
    public func encode(body: Data) -> Data {
        var data = Data("{".utf8)
        var first = true
        func key(_ name: String) {
            data += Data(((first ? "" : ",") + "\"\(name)\":").utf8)
            first = false
        }
        if let conversationId {
            key("conversationId")
            data += Data(JSON.quoted(conversationId).utf8)
        }
        if let orderId {
            key("orderId")
            data += Data(JSON.quoted(orderId).utf8)
        }
        if let role {
            key("role")
            data += Data(JSON.quoted(role).utf8)
        }
        if let only {
            key("only")
            data += Data(JSON.quoted(only).utf8)
        }
        if let unread, !unread.isEmpty {
            key("unread")
            data += Data("{".utf8)
            data += Data(unread.map { "\(JSON.quoted($0.key)):\($0.value)" }.joined(separator: ",").utf8)
            data += Data("}".utf8)
        }
        if let unreadElse {
            key("unreadElse")
            data += Data("\(unreadElse)".utf8)
        }
        key("bodyLength")
        data += Data("\(body.count),\"body\":".utf8) + body + Data("}".utf8)
        return data
    }

    /// The push and the bytes of its body.
    public static func decode(_ data: Data) throws -> (UserPush, Data) {
        let push = try JSON.decode(UserPush.self, from: data)
        guard push.bodyLength > 0, data.count > push.bodyLength, data.last == UInt8(ascii: "}") else {
            throw SchemaError(.badPayload, "chat push: bodyLength does not fit the data")
        }
        let end = data.endIndex - 1
        return (push, data[(end - push.bodyLength)..<end])
    }
}
