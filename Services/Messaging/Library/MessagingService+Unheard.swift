import Foundation
import Logging
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

extension MessagingService {
    /// Emits `chat.unheard` for every courier or customer whose oldest message not yet on any of
    /// their devices (`members.unheard_since`, cleared by a delivered or read ack) is older than
    /// `unheardAfter`: their app is not connected, so posy-notify may reach the phone (Web Push).
    /// Once per wait: the mark is cleared with the event, and the next message starts a new one.
    /// Returns how many were told.
    @discardableResult
    public func tellUnheard() async throws -> Int {
        guard let events, config.unheardAfter > 0 else { return 0 }
        let now = clock()
        let at = Timestamp.format(now)
        return try await store.write { db -> Int in
            let due = try db.query(
                """
                SELECT m.conversation_id, m.user_id, m.party, max(m.delivered_seq, m.read_seq), c.last_seq, c.order_id, c.shop_id
                FROM members m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.unheard_since IS NOT NULL AND m.unheard_since <= ? ORDER BY m.unheard_since LIMIT 500
                """, now.timeIntervalSince1970 - self.config.unheardAfter)
            var told = 0
            for row in due {
                guard let conversation = row.string(0), let user = row.string(1), let party = row.string(2).flatMap(ChatParty.init),
                    let shop = row.string(6)
                else { continue }
                let heard = row.int(3) ?? 0
                let last = row.int(4) ?? 0
                try db.run(
                    "UPDATE members SET unheard_since = NULL WHERE conversation_id = ? AND user_id = ? AND party = ?", conversation, user,
                    party.rawValue)
                guard heard < last,
                    let from = try db.queryOne(
                        "SELECT party FROM messages WHERE conversation_id = ? AND seq = ?", conversation, last)?.string(0).flatMap(
                            ChatParty.init)
                else { continue }
                try events.emit(
                    db, MessagingEvents.unheard,
                    ChatUnheard(
                        conversationId: conversation, orderId: row.string(5), shopId: shop, party: party, userId: user, seq: last,
                        from: from, at: at))
                told += 1
            }
            if told > 0 { self.metrics.increment("chat_unheard", by: Int64(told)) }
            return told
        }
    }

    /// Seconds until the oldest mark is due; nil with none.
    func nextUnheardIn() async throws -> Double? {
        let now = clock().timeIntervalSince1970
        return try await store.read { db in
            try db.queryOne("SELECT min(unheard_since) FROM members WHERE unheard_since IS NOT NULL")?.double(0).map {
                max(0, $0 + self.config.unheardAfter - now)
            }
        }
    }

    /// The loop that tells unheard messages as they come due; a mark set while a deadline is armed
    /// is later than it and needs no wake (``unheardArmed``).
    public func unheardService() -> some Service {
        DueLoop(
            wake: unheardWake, page: 500, pass: { try await self.tellUnheard() }, next: { try await self.nextUnheardIn() },
            failed: { self.logger.error("telling unheard messages failed", metadata: ["error": "\($0)"]) },
            armed: { armed in self.unheardArmed.withLock { $0 = armed } })
    }
}
