import Foundation
import PosyCore
import PosySchema
import PosyStore

extension MessagingService {
    /// Forgets the chat of erased orders held on this shard (docs/architecture.md, "Privacy"): every
    /// customer's message loses its content; every other message its media and shared places, and
    /// its text when that repeats the person's strings. Messages keep their seq, sender and time.
    public func registerPrivacy(on host: ServiceHost) -> PrivacyAgent {
        PrivacyAgent(host: host) { db, work, scrub in
            try Self.forget(db, work, scrub: scrub, at: Timestamp.format(Date()))
        }
    }

    static func forget(_ db: SQLiteConnection, _ work: ErasureWork, scrub: PersonalScrub, at: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for target in work.orders {
            guard try db.queryOne("SELECT 1 FROM conversations WHERE id = ?", target.conversationId) != nil else { continue }
            for row in try db.query("SELECT seq, body FROM messages WHERE conversation_id = ?", target.conversationId) {
                guard let seq = row.int(0), let body = row.data(1), var m = try? JSON.decode(ChatMessage.self, from: body) else {
                    continue
                }
                let before = m
                if m.party == .customer {
                    m.text = nil
                } else if let text = m.text {
                    m.text = scrub.text(text)
                }
                m.media = nil
                m.location = nil
                m.card = m.card.map { scrub.json($0, coordinates: true) }
                guard m != before else { continue }
                m.erasedAt = at
                try db.run(
                    "UPDATE messages SET body = ? WHERE conversation_id = ? AND seq = ?", try JSON.encode(m), target.conversationId, seq)
                counts["messages", default: 0] += 1
            }
        }
        return counts
    }
}
