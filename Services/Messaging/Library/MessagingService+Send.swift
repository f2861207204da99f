import Foundation
import PosyAccess
import PosySchema
import PosyStore

extension MessagingService {
    /// `msg.send`: checks the message, then stores it with the next seq of its conversation and
    /// pushes it to every participant once committed. The same `clientMsgId` from the same sender
    /// returns the stored message (`duplicate: true`) and stores nothing.
    public func send(_ r: MessagingRPC.SendRequest, for viewer: Viewer) async throws -> MessagingRPC.SendResult {
        try await ensureDirect(r.conversationId)
        let input = r.message
        let kind = try Self.validate(input)
        var media: MessageMedia?
        if kind.mediaKind != nil || kind == .file, let mediaId = input.mediaId {
            // Only a participant learns whether the media fits: check access first.
            let orderId = try await store.read { db in try self.open(db, r.conversationId, viewer).0.orderId }
            media = try await self.media(mediaId, of: orderId, for: kind, durationMs: input.durationMs)
            media?.waveform = input.waveform
        }
        let now = nowSeconds
        let at = nowText
        let checkedMedia = media
        return try await store.write { db -> MessagingRPC.SendResult in
            var (c, access) = try self.open(db, r.conversationId, viewer)
            if let row = try db.queryOne(
                """
                SELECT body FROM messages WHERE conversation_id = ? AND sender_id = ? AND party = ? AND client_msg_id = ?
                """, c.id, access.userId, access.party.rawValue, input.clientMsgId)
            {
                self.metrics.increment("messages_duplicate")
                return .init(message: try JSON.decode(ChatMessage.self, from: row.data(0)!), duplicate: true)
            }
            guard access.canSend(c, now: now) else {
                throw PosyError(
                    .readOnly,
                    access.untilSeq != nil
                        ? "the delivery is over: this conversation is read-only for its courier"
                        : "this conversation is read-only since its order ended")
            }
            if access.member == nil { _ = try self.member(db, c, access) }
            let message = try self.append(
                db, &c, senderId: access.userId, party: access.party, clientMsgId: input.clientMsgId,
                kind: kind, text: input.text, media: checkedMedia, location: input.location, at: at)
            self.metrics.increment("messages_stored")
            if access.party == .shop, c.needsPersonAt != nil {
                try db.run("UPDATE conversations SET needs_person_at = NULL WHERE id = ?", c.id)
                try Self.recordChange(db, c.id, type: "conversation", ref: "state")  // a person took over
            }
            // Once handed over to a person, a question the assistant cannot answer waits for them:
            // no task, read or transaction is spent to learn that again (docs/performance.md, "CPU per message").
            if access.party == .customer, c.kind == "order", kind == .text, let text = input.text,
                OrderAssistant.answers(text, handedOver: c.needsPersonAt != nil)
            {
                let conversationId = c.id
                db.onCommit { Task { await self.assist(conversationId, question: text, askedAt: message.seq) } }
            }
            return .init(message: message, duplicate: false)
        }
    }

    /// The message's kind after checking its fields; `invalid_field` (422) names what is wrong.
    static func validate(_ input: MessageInput) throws -> MessageKind {
        guard !input.clientMsgId.isEmpty, input.clientMsgId.count <= MessageInput.maxClientMsgId else {
            throw PosyError(.invalidField, "clientMsgId: 1…\(MessageInput.maxClientMsgId) characters")
        }
        guard let kind = MessageKind(rawValue: input.kind) else {
            throw PosyError(.invalidField, "kind: unknown '\(input.kind.prefix(40))' (text, image, voice, video, file, location)")
        }
        guard kind.isSendable else { throw PosyError(.invalidField, "kind: \(kind.rawValue) messages are written by Posy") }
        if let text = input.text, text.count > MessageInput.maxText {
            throw PosyError(.invalidField, "text: \(text.count) characters, at most \(MessageInput.maxText)")
        }
        // Each field belongs to its kind: a position riding on a text message would be stored and
        // shown unchecked, so it is refused like any other misplaced field.
        if kind != .location, input.location != nil {
            throw PosyError(.invalidField, "location: only a location message carries one")
        }
        if ![.image, .voice, .video, .file].contains(kind), input.mediaId != nil || input.durationMs != nil || input.waveform != nil {
            throw PosyError(.invalidField, "mediaId/durationMs: only image, voice, video and file messages carry media")
        }
        switch kind {
        case .text:
            guard let text = input.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw PosyError(.invalidField, "text: required for a text message")
            }
        case .image, .voice, .video, .file:
            guard let id = input.mediaId, !id.isEmpty else {
                throw PosyError(.invalidField, "mediaId: required for a \(kind.rawValue) message (upload with POST /v1/media)")
            }
            if let d = input.durationMs, d < 0 || d > 3_600_000 { throw PosyError(.invalidField, "durationMs: 0…3600000") }
            if kind == .voice, input.durationMs == nil { throw PosyError(.invalidField, "durationMs: required for a voice note") }
            if let w = input.waveform {
                guard kind == .voice else { throw PosyError(.invalidField, "waveform: only a voice note carries one") }
                guard w.count <= MessageInput.maxWaveform, w.allSatisfy({ (0...100).contains($0) }) else {
                    throw PosyError(.invalidField, "waveform: at most \(MessageInput.maxWaveform) levels, each 0…100")
                }
            }
        case .location:
            guard let l = input.location, Geo.isValid(lat: l.lat, lon: l.lon) else {
                throw PosyError(.invalidField, "location: lat −90…90 and lon −180…180 required")
            }
            if let label = l.label, label.count > 200 { throw PosyError(.invalidField, "location.label: at most 200 characters") }
        case .system, .card:
            break
        }
        return kind
    }

    /// The media a message references, from posy-receipts: it must exist, belong to this order and
    /// be of the message's kind (`invalid_field` otherwise — another order's media is not revealed).
    func media(_ id: String, of orderId: String?, for kind: MessageKind, durationMs: Int?) async throws -> MessageMedia {
        let info: MediaInfo
        do {
            info = try await call(ReceiptsRPC.mediaInfo, ReceiptsRPC.MediaQuery(id: id), timeout: .seconds(5))
        } catch let e as PosyError where e.code == .notFound || e.code == .gone {
            throw PosyError(.invalidField, "mediaId: no media \(id) of this order")
        }
        guard let orderId, info.orderId == orderId else {
            throw PosyError(.invalidField, "mediaId: no media \(id) of this order")
        }
        if let wanted = kind.mediaKind, info.kind != wanted {
            throw PosyError(.invalidField, "mediaId: \(id) is \(info.kind.rawValue), not \(wanted.rawValue)")
        }
        // The stated length must be the file's where its container says it (docs/protocol.md, "Media").
        if let stated = durationMs, let file = info.durationMs, !MessageInput.durationAgrees(stated: stated, file: file) {
            throw PosyError(.invalidField, "durationMs: \(stated) ms stated, but the file is \(file) ms long")
        }
        return MessageMedia(
            id: info.id, kind: info.kind, contentType: info.contentType, size: info.size, durationMs: durationMs ?? info.durationMs)
    }

    /// Appends a message (inside the caller's write): next seq, unread +1 for everyone else who
    /// receives it, a change for sync, and the push once committed.
    @discardableResult
    func append(
        _ db: SQLiteConnection, _ c: inout ConversationRow, senderId: String, party: ChatParty, clientMsgId: String?,
        kind: MessageKind, text: String? = nil, media: MessageMedia? = nil, location: ChatLocation? = nil,
        card: JSONValue? = nil, at: String
    ) throws -> ChatMessage {
        let seq = c.lastSeq + 1
        let message = ChatMessage(
            conversationId: c.id, seq: seq, senderId: senderId, party: party, clientMsgId: clientMsgId,
            kind: kind, text: text, media: media, location: location, card: card, at: at)
        let body = try JSON.encode(message)
        try db.run(
            "INSERT INTO messages(conversation_id, seq, sender_id, party, client_msg_id, body) VALUES (?,?,?,?,?,?)",
            c.id, seq, senderId, party.rawValue, clientMsgId, body)
        // What Posy and the assistant write (state cards, answers) is there to look at, not to be
        // read: it counts as unread for nobody (docs/architecture.md, "Messaging").
        let counts = party.isAutomated ? 0 : 1
        try db.run("UPDATE conversations SET last_seq = ?, last_at = ?, live_count = live_count + ? WHERE id = ?", seq, at, counts, c.id)
        if counts > 0 {
            // A courier's or customer's first message of an order's chat not yet on any of their
            // devices starts the wait before `chat.unheard` (``MessagingService/tellUnheard()``).
            let unheard = config.unheardAfter > 0 && c.kind == "order"
            try db.run(
                """
                UPDATE members SET unread = unread + 1,
                  unheard_since = coalesce(unheard_since, CASE WHEN party IN ('courier', 'customer') THEN ? END)
                WHERE conversation_id = ? AND removed = 0 AND until_seq IS NULL AND NOT (user_id = ? AND party = ?)
                """, unheard ? clock().timeIntervalSince1970 : nil, c.id, senderId, party.rawValue)
            if unheard { db.onCommit { if !self.unheardArmed.withLock({ $0 }) { self.unheardWake.bump() } } }
        }
        try Self.recordChange(db, c.id, type: "message", ref: String(seq))
        c.lastSeq = seq
        c.lastAt = at
        c.liveCount += counts
        let members = try MemberRow.all(db, c.id)
        let conversation = c
        db.onCommit { self.push(PushType.messageNew, conversation, body: body, members: members, withUnread: true) }
        return message
    }

    /// `msg.recall`: the sender takes a message back within the recall window. Its content is
    /// removed for everyone; a placeholder keeps its seq. Recalling twice returns the placeholder.
    public func recall(_ r: MessagingRPC.SeqRequest, for viewer: Viewer) async throws -> ChatMessage {
        try await ensureDirect(r.conversationId)
        let now = clock()
        let at = nowText
        let window = config.recallWindow
        return try await store.write { db -> ChatMessage in
            var (c, access) = try self.open(db, r.conversationId, viewer)
            guard r.seq >= access.fromSeq, r.seq <= access.visibleEnd(c),
                let row = try db.queryOne("SELECT body, sender_id, party FROM messages WHERE conversation_id = ? AND seq = ?", c.id, r.seq)
            else { throw PosyError(.notFound, "no message \(r.seq) in \(c.id)") }
            var message = try JSON.decode(ChatMessage.self, from: row.data(0)!)
            guard row.string(1) == access.userId, row.string(2) == access.party.rawValue else {
                throw PosyError(.forbidden, "only its sender recalls a message")
            }
            if message.recalledAt != nil { return message }
            guard let sent = Timestamp.parse(message.at), now.timeIntervalSince(sent) <= window else {
                throw PosyError(.conflict, "a message can be recalled within \(Int(window / 60)) minutes of sending")
            }
            message.text = nil
            message.media = nil
            message.location = nil
            message.recalledAt = at
            let body = try JSON.encode(message)
            try db.run("UPDATE messages SET body = ?, recalled_at = ? WHERE conversation_id = ? AND seq = ?", body, at, c.id, r.seq)
            try db.run("UPDATE conversations SET live_count = MAX(0, live_count - 1) WHERE id = ?", c.id)
            c.liveCount = max(0, c.liveCount - 1)
            // It no longer counts as unread for those who had not read it.
            try db.run(
                """
                UPDATE members SET unread = MAX(0, unread - 1)
                WHERE conversation_id = ? AND read_seq < ? AND from_seq <= ? AND (until_seq IS NULL OR until_seq >= ?)
                  AND NOT (user_id = ? AND party = ?)
                """, c.id, r.seq, r.seq, r.seq, access.userId, access.party.rawValue)
            try Self.recordChange(db, c.id, type: "recall", ref: String(r.seq))
            let members = try MemberRow.all(db, c.id)
            let conversation = c
            db.onCommit { self.push(PushType.messageRecalled, conversation, body: body, members: members, withUnread: true, seq: r.seq) }
            return message
        }
    }

    /// `msg.typing`: an ephemeral hint to the other participants; nothing is stored.
    public func typing(_ r: MessagingRPC.ConversationRef, for viewer: Viewer) async throws {
        try await ensureDirect(r.conversationId)
        let (c, access, members) = try await store.read { db in
            let (c, access) = try self.open(db, r.conversationId, viewer)
            return (c, access, try MemberRow.all(db, c.id))
        }
        guard access.canSend(c, now: nowSeconds) else { throw PosyError(.readOnly, "this conversation is read-only") }
        let body = try JSON.encode(TypingHint(conversationId: c.id, party: access.party, at: nowText))
        push(PushType.typing, c, body: body, members: members, withUnread: false)
    }

    struct TypingHint: Encodable {
        var conversationId: String
        var party: ChatParty
        var at: String
    }
}
