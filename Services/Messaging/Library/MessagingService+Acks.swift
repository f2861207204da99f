import Foundation
import PosyAccess
import PosySchema
import PosyStore

extension MessagingService {
    /// `msg.ack`: moves the caller's delivery and/or read cursor forward (never back; read implies
    /// delivered) and recomputes their unread count. The other parties get the party's new cursors;
    /// the caller's other devices get the new unread count. A seq beyond what the caller can see is
    /// `invalid_field`.
    public func ack(_ r: MessagingRPC.AckRequest, for viewer: Viewer) async throws -> ReceiptUpdate {
        try await ensureDirect(r.conversationId)
        guard r.read != nil || r.delivered != nil else { throw PosyError(.invalidField, "read or delivered: one is required") }
        let at = nowText
        return try await store.write { db -> ReceiptUpdate in
            let (c, access) = try self.open(db, r.conversationId, viewer)
            let end = access.visibleEnd(c)
            for (name, seq) in [("read", r.read), ("delivered", r.delivered)] {
                guard let seq else { continue }
                guard seq >= 0 else { throw PosyError(.invalidField, "\(name): must not be negative") }
                guard seq <= end else { throw PosyError(.invalidField, "\(name): \(seq) is beyond the last message (\(end))") }
            }
            let before = try self.member(db, c, access)
            var m = before
            if let read = r.read { m.readSeq = max(m.readSeq, read) }
            m.deliveredSeq = max(m.deliveredSeq, r.delivered ?? 0, m.readSeq)
            if m.readSeq != before.readSeq { m.unread = try Self.countUnread(db, c.id, member: m) }
            guard m != before else {
                return ReceiptUpdate(
                    conversationId: c.id, party: m.party, deliveredSeq: m.deliveredSeq, readSeq: m.readSeq,
                    at: at, unread: m.unread)
            }
            try m.save(db, c.id)
            if m.deliveredSeq >= c.lastSeq {
                try db.run(
                    "UPDATE members SET unheard_since = NULL WHERE conversation_id = ? AND user_id = ? AND party = ?", c.id, m.userId,
                    m.party.rawValue)
            }
            let members = try MemberRow.all(db, c.id)
            let party = Self.receipts(members).first { $0.party == m.party } ?? PartyReceipt(party: m.party, deliveredSeq: 0, readSeq: 0)
            let update = ReceiptUpdate(
                conversationId: c.id, party: m.party, deliveredSeq: party.deliveredSeq, readSeq: party.readSeq, at: at)
            try Self.recordChange(db, c.id, type: "receipt", ref: m.party.rawValue)
            if m.readSeq != before.readSeq { try Self.recordChange(db, c.id, type: "unread", ref: "\(m.party.rawValue):\(m.userId)") }
            let partyBody = try JSON.encode(update)
            var own = update
            own.deliveredSeq = m.deliveredSeq
            own.readSeq = m.readSeq
            own.unread = m.unread
            let ownBody = try JSON.encode(own)
            let member = m
            db.onCommit {
                self.push(PushType.messageReceipt, c, body: partyBody, members: members, withUnread: false)
                self.pushToMember(PushType.messageUnread, c, member: member, body: ownBody)
            }
            self.metrics.increment("acks_applied")
            return own
        }
    }
}
