import Foundation
import PosyAccess
import PosySchema
import PosyStore

extension MessagingService {
    /// `msg.sync`: what changed in the caller's conversations on this shard after `after`, in the
    /// order it happened, each message once with its current content. A token of another epoch (the
    /// store was reset) starts from the beginning and says `reset`.
    public func sync(_ r: MessagingRPC.SyncRequest, for viewer: Viewer) async throws -> MessagingRPC.ShardSync {
        guard (1...1_000).contains(r.limit) else { throw PosyError(.invalidField, "limit: 1…1000") }
        let reset = r.epoch != nil && r.epoch != epoch
        let after = reset || r.epoch == nil ? 0 : max(0, r.after)
        let now = nowSeconds
        return try await store.read { db -> MessagingRPC.ShardSync in
            let (ids, args) = Self.conversationIds(for: viewer)
            guard !ids.isEmpty else { return .init(epoch: self.epoch, pos: after, changes: [], more: false, reset: reset) }
            let rows = try db.query(
                """
                SELECT pos, conversation_id, type, ref FROM changes WHERE conversation_id IN (\(ids)) AND pos > ?
                ORDER BY pos LIMIT ?
                """, args + [.int(after), .int(Int64(r.limit + 1))])
            var opened: [String: (ConversationRow, ChatAccess)?] = [:]
            var members: [String: [MemberRow]] = [:]
            var changes: [SyncChange] = []
            var pos = after
            for row in rows.prefix(r.limit) {
                pos = row.int(0)!
                let id = row.string(1)!
                let type = row.string(2)!
                let ref = row.string(3)!
                if opened[id] == nil {
                    opened[id] = try ConversationRow.load(db, id).flatMap { c in try ChatAccess.of(viewer, in: c, db: db).map { (c, $0) } }
                }
                guard let (c, access) = opened[id] ?? nil else { continue }
                switch type {
                case "message", "recall":
                    guard let seq = Int64(ref), seq >= access.fromSeq, seq <= access.visibleEnd(c),
                        let body = try db.queryOne("SELECT body FROM messages WHERE conversation_id = ? AND seq = ?", id, seq)
                    else { continue }
                    changes.append(
                        SyncChange(type: type, conversationId: id, message: try JSON.decode(ChatMessage.self, from: body.data(0)!)))
                case "receipt":
                    if members[id] == nil { members[id] = try MemberRow.all(db, id) }
                    guard let party = ChatParty(rawValue: ref),
                        let p = Self.receipts(members[id]!).first(where: { $0.party == party })
                    else { continue }
                    changes.append(
                        SyncChange(
                            type: "receipt", conversationId: id,
                            receipt: ReceiptUpdate(
                                conversationId: id, party: party, deliveredSeq: p.deliveredSeq, readSeq: p.readSeq, at: c.lastAt ?? "")))
                case "unread":
                    // The caller's own cursors, moved on another of their devices.
                    guard ref == "\(access.party.rawValue):\(access.userId)", let m = access.member else { continue }
                    changes.append(
                        SyncChange(
                            type: "receipt", conversationId: id,
                            receipt: ReceiptUpdate(
                                conversationId: id, party: m.party, deliveredSeq: m.deliveredSeq, readSeq: m.readSeq, at: c.lastAt ?? "",
                                unread: m.unread)))
                case "conversation":
                    changes.append(
                        SyncChange(type: "conversation", conversationId: id, conversation: try self.summary(db, c, access, now: now)))
                default:
                    continue
                }
            }
            return .init(epoch: self.epoch, pos: pos, changes: changes, more: rows.count > r.limit, reset: reset)
        }
    }
}
