import Foundation
import PosyAccess
import PosySchema
import PosyStore

extension MessagingService {
    /// `msg.list`: messages the caller may see, in seq order — after `after` (oldest first), before
    /// `before` (the newest ones below it), or the newest `limit` (1…200, default 50).
    public func list(_ r: MessagingRPC.ListRequest, for viewer: Viewer) async throws -> MessagePage {
        try await ensureDirect(r.conversationId)
        let limit = r.limit ?? 50
        guard (1...200).contains(limit) else { throw PosyError(.invalidField, "limit: 1…200") }
        if let a = r.after, a < 0 { throw PosyError(.invalidField, "after: must not be negative") }
        if let b = r.before, b < 1 { throw PosyError(.invalidField, "before: must be positive") }
        return try await store.read { db -> MessagePage in
            let (c, access) = try self.open(db, r.conversationId, viewer)
            var low = access.fromSeq
            var high = access.visibleEnd(c)
            let ascending = r.after != nil && r.before == nil
            if let a = r.after { low = max(low, a + 1) }
            if let b = r.before { high = min(high, b - 1) }
            let rows = try db.query(
                """
                SELECT body FROM messages WHERE conversation_id = ? AND seq >= ? AND seq <= ?
                ORDER BY seq \(ascending ? "ASC" : "DESC") LIMIT ?
                """, c.id, low, high, limit + 1)
            var messages = try rows.prefix(limit).map { try JSON.decode(ChatMessage.self, from: $0.data(0)!) }
            if !ascending { messages.reverse() }
            return MessagePage(
                conversationId: c.id, messages: messages, hasMore: rows.count > limit,
                receipts: Self.receipts(try MemberRow.all(db, c.id)))
        }
    }

    /// `conv.get`
    public func conversation(_ r: MessagingRPC.ConversationRef, for viewer: Viewer) async throws -> ConversationSummary {
        try await ensureDirect(r.conversationId)
        let now = nowSeconds
        return try await store.read { db in
            let (c, access) = try self.open(db, r.conversationId, viewer)
            return try self.summary(db, c, access, now: now)
        }
    }

    /// `conv.list`: the caller's conversations on this shard, most recent activity first (at most 500).
    public func conversations(for viewer: Viewer) async throws -> [ConversationSummary] {
        let now = nowSeconds
        return try await store.read { db -> [ConversationSummary] in
            let (sql, args) = Self.conversationIds(for: viewer)
            guard !sql.isEmpty else { return [] }
            let rows = try db.query(
                """
                SELECT \(ConversationRow.columns) FROM conversations WHERE id IN (\(sql))
                ORDER BY COALESCE(last_at, created_at) DESC LIMIT 500
                """, args)
            return try rows.map(ConversationRow.init).compactMap { c in
                guard let access = try ChatAccess.of(viewer, in: c, db: db) else { return nil }
                return try self.summary(db, c, access, now: now)
            }
        }
    }

    /// SQL selecting the ids of the conversations `viewer` takes part in (empty for none).
    static func conversationIds(for viewer: Viewer) -> (String, [SQLValue]) {
        guard case .user(let sub, let role, let shop, let scope) = viewer else { return ("", []) }
        switch role {
        case .customer:
            if let scope { return ("SELECT id FROM conversations WHERE customer_id = ? AND order_id = ?", [.text(sub), .text(scope)]) }
            return ("SELECT id FROM conversations WHERE customer_id = ?", [.text(sub)])
        case .staff: return ("SELECT id FROM conversations WHERE shop_id = ?", [.text(shop ?? "")])
        case .admin: return ("SELECT id FROM conversations", [])
        case .courier:
            return ("SELECT conversation_id FROM members WHERE user_id = ? AND party = 'courier' AND removed = 0", [.text(sub)])
        }
    }

    func summary(_ db: SQLiteConnection, _ c: ConversationRow, _ access: ChatAccess, now: Double) throws -> ConversationSummary {
        let members = try MemberRow.all(db, c.id)
        let me = access.member
        let unread = me.map(\.unread) ?? c.liveCount
        let end = access.visibleEnd(c)
        let last = try db.queryOne("SELECT body FROM messages WHERE conversation_id = ? AND seq = ?", c.id, end)
            .map { try JSON.decode(ChatMessage.self, from: $0.data(0)!) }
        var parties: [ChatParty] = c.customerId != nil ? [.customer, .shop] : [.shop]
        if members.contains(where: { $0.party == .courier && $0.isActive }) { parties.append(.courier) }
        if c.kind == "order", c.customerId != nil { parties.append(.assistant) }
        return ConversationSummary(
            id: c.id, kind: c.kind, orderId: c.orderId, shopId: c.shopId, parties: parties, lastSeq: end, lastMessage: last,
            unread: unread, deliveredSeq: me?.deliveredSeq ?? 0, readSeq: me?.readSeq ?? 0,
            receipts: Self.receipts(members).filter { $0.party != access.party },
            readOnlyAt: c.readOnlyAt.map { Timestamp.format(Date(timeIntervalSince1970: $0)) }, readOnly: c.isReadOnly(at: now),
            canSend: access.canSend(c, now: now), needsPersonSince: access.party == .shop ? c.needsPersonAt : nil)
    }

    /// `messaging.transcript`: every message the caller may see, for the evidence bundle.
    public func transcript(_ r: MessagingRPC.ConversationRef, for viewer: Viewer) async throws -> MessagingRPC.Transcript {
        try await ensureDirect(r.conversationId)
        return try await store.read { db in
            let (c, access) = try self.open(db, r.conversationId, viewer)
            let messages = try db.query(
                "SELECT body FROM messages WHERE conversation_id = ? AND seq >= ? AND seq <= ? ORDER BY seq",
                c.id, access.fromSeq, access.visibleEnd(c)
            )
            .map { try JSON.decode(ChatMessage.self, from: $0.data(0)!) }
            return MessagingRPC.Transcript(conversationId: c.id, messages: messages, receipts: Self.receipts(try MemberRow.all(db, c.id)))
        }
    }
}
