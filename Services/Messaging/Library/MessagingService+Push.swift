import Foundation
import PosySchema

extension MessagingService {
    /// Publishes a push to everyone who receives a conversation's news now: the customer
    /// (`to.<id>.`), the courier while in it (`to.<id>.`), the shop's staff (`shop.<shopId>.`).
    /// Pushes are hints (docs/architecture.md, "Lossless events"): a client that missed one syncs from the store.
    /// `seq`: the message the push is about — a courier whose range ended before it is not told.
    func push(_ type: String, _ c: ConversationRow, body: Data, members: [MemberRow], withUnread: Bool, seq: Int64? = nil) {
        func unread(_ party: ChatParty) -> [String: Int]? {
            guard withUnread else { return nil }
            let map = Dictionary(
                members.filter { $0.party == party && !$0.removed }.map { ($0.userId, $0.unread) },
                uniquingKeysWith: { a, _ in a })
            return map.isEmpty ? nil : map
        }
        if let customer = c.customerId {
            send(Topic.user(customer), type, c, role: "customer", unread: unread(.customer), body: body)
        }
        for m in members where m.party == .courier && !m.removed {
            let inRange = seq.map { $0 >= m.fromSeq && $0 <= (m.untilSeq ?? .max) } ?? m.isActive
            guard inRange else { continue }
            send(
                Topic.user(m.userId), type, c, role: "courier", unread: unread(.courier).map { $0.filter { $0.key == m.userId } },
                body: body)
        }
        send(
            UserPush.shopTopic(c.shopId), type, c, role: nil, unread: unread(.shop), body: body,
            unreadElse: withUnread ? c.liveCount : nil)
    }

    /// A push to one member only (their own cursors after an ack).
    func pushToMember(_ type: String, _ c: ConversationRow, member m: MemberRow, body: Data) {
        let topic = m.party == .shop ? UserPush.shopTopic(c.shopId) : Topic.user(m.userId)
        send(
            topic, type, c, role: m.party == .shop ? nil : m.party.rawValue, unread: [m.userId: m.unread], body: body,
            only: m.userId)
    }

    private func send(
        _ topic: String, _ type: String, _ c: ConversationRow, role: String?, unread: [String: Int]?,
        body: Data, only: String? = nil, unreadElse: Int? = nil
    ) {
        let push = UserPush(conversationId: c.id, orderId: c.orderId, role: role, unread: unread, unreadElse: unreadElse, only: only)
        publish(topic, type, push.encode(body: body))
        metrics.increment("pushes_published")
    }
}
