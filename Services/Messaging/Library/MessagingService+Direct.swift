import Foundation
import PosySchema
import PosyStore

extension MessagingService {
    /// Whether an id names a direct conversation (`m<shard>-d…`): posy-orders keeps who is in it.
    static func isDirect(_ conversationId: String) -> Bool {
        guard let dash = conversationId.firstIndex(of: "-") else { return false }
        return conversationId[conversationId.index(after: dash)...].hasPrefix("d")
    }

    /// Makes sure a direct conversation this shard owns exists, learning its shop and courier from
    /// posy-orders the first time. Unknown ids stay unknown (the caller then gets `not_found`).
    func ensureDirect(_ conversationId: String) async throws {
        guard Self.isDirect(conversationId), owns(conversationId) else { return }
        if try await store.read({ db in try ConversationRow.load(db, conversationId) }) != nil { return }
        let direct: OrdersRPC.DirectConversation
        do {
            direct = try await call(
                OrdersRPC.directLookup, OrdersRPC.DirectRequest(conversationId: conversationId), timeout: .seconds(5))
        } catch let e as PosyError where e.code == .notFound {
            return
        }
        let at = nowText
        try await store.write { db in
            guard try ConversationRow.load(db, conversationId) == nil else { return }
            try db.run(
                "INSERT INTO conversations(id, kind, shop_id, created_at) VALUES (?,?,?,?)",
                conversationId, "direct", direct.shopId, at)
            try MemberRow(userId: direct.courierId, party: .courier).save(db, conversationId)
            try Self.recordChange(db, conversationId, type: "conversation", ref: "state")
            self.metrics.increment("conversations_opened")
        }
    }
}
