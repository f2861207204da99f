import Foundation
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

extension MessagingService {
    /// Forgets the chat of erased orders held on this shard (docs/architecture.md, "Privacy"): every
    /// customer's message loses its content; every other message its media and shared places, and
    /// its text when that repeats the person's strings. Messages keep their seq, sender and time.
    public func registerPrivacy(on host: ServiceHost) -> PrivacyAgent {
        host.rpc.register(PrivacyRPC.exportPart) { r, _ in try await self.exportPart(r) }
        return PrivacyAgent(host: host, clock: clock) { [clock] db, work, scrub in
            try Self.forget(db, work, scrub: scrub, at: Timestamp.format(clock()))
        }
    }

    /// This shard's part of an export: the conversations of the person's orders it holds, every message.
    func exportPart(_ r: ExportPartRequest) async throws -> JSONValue {
        let conversations = try await store.read { db -> [JSONValue] in
            try r.orders.compactMap { t -> JSONValue? in
                guard try db.queryOne("SELECT 1 FROM conversations WHERE id = ?", t.conversationId) != nil else { return nil }
                let messages = try db.query("SELECT body FROM messages WHERE conversation_id = ? ORDER BY seq", t.conversationId).compactMap
                {
                    $0.data(0).flatMap { try? JSON.decode(JSONValue.self, from: $0) }
                }
                return .object(["conversationId": .string(t.conversationId), "orderId": .string(t.orderId), "messages": .array(messages)])
            }
        }
        return .object(["conversations": .array(conversations)])
    }

    /// With the scope `contact`, only text repeating the strings and shared places go.
    static func forget(_ db: SQLiteConnection, _ work: ErasureWork, scrub: PersonalScrub, at: String) throws -> [String: Int] {
        var n = 0
        for target in work.orders {
            guard try db.queryOne("SELECT 1 FROM conversations WHERE id = ?", target.conversationId) != nil else { continue }
            n += try clear(db, target.conversationId, at: at) { m in
                if m.party == .customer && work.forgets == .person {
                    m.text = nil
                } else if let text = m.text {
                    m.text = scrub.text(text)
                }
                m.location = nil
                if work.forgets == .person { m.media = nil }
                m.card = m.card.map { scrub.json($0, coordinates: true) }
            }
        }
        return n > 0 ? ["messages": n] : [:]
    }

    /// Rewrites each message of `conversation` as `change` makes it, marking those it changed; returns how many.
    static func clear(_ db: SQLiteConnection, _ conversation: String, at: String, _ change: (inout ChatMessage) -> Void) throws -> Int {
        var n = 0
        for row in try db.query("SELECT seq, body FROM messages WHERE conversation_id = ?", conversation) {
            guard let seq = row.int(0), let body = row.data(1), var m = try? JSON.decode(ChatMessage.self, from: body) else { continue }
            let before = m
            change(&m)
            guard m != before else { continue }
            m.erasedAt = at
            try db.run("UPDATE messages SET body = ? WHERE conversation_id = ? AND seq = ?", try JSON.encode(m), conversation, seq)
            n += 1
        }
        return n
    }

    /// Clears the text, places and attachments of up to `limit` conversations whose order ended
    /// longer ago than their shop's chat retention (else the deployment's); returns how many.
    @discardableResult
    public func clearExpiredChats(limit: Int = 100) async throws -> Int {
        let now = clock()
        let at = Timestamp.format(now)
        let config = self.config
        return try await store.write { db -> Int in
            // read_only_at is the end of the order plus the read-only delay.
            let rows = try db.query(
                """
                SELECT c.id FROM conversations c LEFT JOIN shops s ON s.id = c.shop_id
                WHERE c.chat_cleared_at IS NULL AND c.read_only_at IS NOT NULL
                  AND c.read_only_at - ? + coalesce(s.chat_days * 86400, ?) < ?
                ORDER BY c.read_only_at LIMIT ?
                """, config.readOnlyAfter, config.chatRetention, now.timeIntervalSince1970, limit)
            for row in rows {
                guard let id = row.string(0) else { continue }
                _ = try Self.clear(db, id, at: at) { m in
                    m.text = nil
                    m.location = nil
                    m.media = nil
                    m.card = nil
                }
                try db.run("UPDATE conversations SET chat_cleared_at = ? WHERE id = ?", now.timeIntervalSince1970, id)
            }
            return rows.count
        }
    }

    /// Runs ``clearExpiredChats(limit:)`` hourly (again at once while a pass fills its limit).
    public func chatRetentionService() -> some Service { ChatRetentionLoop(service: self) }

    struct ChatRetentionLoop: Service {
        let service: MessagingService

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    var full = false
                    do {
                        let n = try await service.clearExpiredChats()
                        if n > 0 { service.logger.info("chats past retention cleared", metadata: ["conversations": "\(n)"]) }
                        full = n >= 100
                    } catch {
                        service.logger.error("chat retention failed", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: full ? .seconds(1) : .seconds(3600))
                }
            }
        }
    }
}
