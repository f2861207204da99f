import PosyAccess
import PosySchema
import PosyStore

/// What one caller may do in one conversation ("Access"): the customer of the order, the
/// shop's staff (admins too) and the courier who accepted it, for the messages in their range.
/// Anyone else gets `not_found`, as if the conversation did not exist.
struct ChatAccess: Sendable {
    var userId: String
    var party: ChatParty
    /// The caller's member row; nil for staff who have not read or written yet (cursors at 0).
    var member: MemberRow?
    var fromSeq: Int64
    var untilSeq: Int64?

    /// The last seq the caller may see.
    func visibleEnd(_ conversation: ConversationRow) -> Int64 { min(untilSeq ?? .max, conversation.lastSeq) }

    func canSend(_ conversation: ConversationRow, now: Double) -> Bool {
        untilSeq == nil && !conversation.isReadOnly(at: now)
    }

    /// The caller's access to `conversation`, or nil when they have none.
    static func of(_ viewer: Viewer, in conversation: ConversationRow, db: SQLiteConnection) throws -> ChatAccess? {
        guard case .user(let sub, let role, let shop, let scope) = viewer else { return nil }
        switch role {
        case .customer:
            guard conversation.customerId == sub, scope == nil || scope == conversation.orderId else { return nil }
            let m = try MemberRow.load(db, conversation.id, user: sub, party: .customer)
            return ChatAccess(userId: sub, party: .customer, member: m, fromSeq: m?.fromSeq ?? 1, untilSeq: m?.untilSeq)
        case .staff, .admin:
            guard role == .admin || shop == conversation.shopId else { return nil }
            let m = try MemberRow.load(db, conversation.id, user: sub, party: .shop)
            return ChatAccess(userId: sub, party: .shop, member: m, fromSeq: 1, untilSeq: nil)
        case .courier:
            guard shop == conversation.shopId, let m = try MemberRow.load(db, conversation.id, user: sub, party: .courier),
                !m.removed
            else { return nil }
            return ChatAccess(userId: sub, party: .courier, member: m, fromSeq: m.fromSeq, untilSeq: m.untilSeq)
        }
    }
}
