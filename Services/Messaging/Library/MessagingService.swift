import Foundation
import Logging
import PosyAccess
import PosyCore
import PosySchema
import PosyStore

/// One messaging shard over `messaging-<shard>.db`: the conversations whose id names this
/// shard, their messages with per-conversation `seq`, every participant's delivery and read cursors
/// and unread count, and a change log that sync reads. Conversations come from posy-orders' durable
/// events; live pushes go out as ephemeral bus events after the change committed.
public final class MessagingService: Sendable {
    /// Calls another service: `(instance, method, body, timeout) → reply body`; the timeout covers
    /// finding the instance and its answer.
    public typealias PeerCall = @Sendable (String, String, Data, Duration) async throws -> Data
    /// Publishes an ephemeral bus event: `(topic, type, data)`.
    public typealias Publish = @Sendable (String, String, Data) -> Void

    let store: Store
    let instance: String
    let epoch: String
    let config: MessagingConfig
    let peer: PeerCall
    let publish: Publish
    let metrics: Metrics
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Where `chat.unheard` goes (nil: not told, as in tests of other things).
    let events: EventLog?
    /// Wakes the unheard loop: a mark was set while it had no deadline armed (``unheardArmed``).
    let unheardWake = ChangeSignal()
    /// Whether the unheard loop sleeps until a deadline (new marks are later and need no wake).
    let unheardArmed = Locked(false)
    /// Calls under way, by call id: when each started and was answered, for the chat's record of its
    /// length. Lost with a restart, when the record says only that the call ended.
    let calls = Locked([String: CallTimes]())

    struct CallTimes: Sendable {
        var conversationId: String
        var startedAt: Date
        var answeredAt: Date?
    }

    public init(
        store: Store, instance: String, epoch: String, config: MessagingConfig = MessagingConfig(), metrics: Metrics,
        logger: Logger, events: EventLog? = nil, clock: @escaping @Sendable () -> Date = { Date() }, peer: @escaping PeerCall,
        publish: @escaping Publish
    ) {
        self.events = events
        self.store = store
        self.instance = instance
        self.epoch = epoch
        self.config = config
        self.peer = peer
        self.publish = publish
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    var nowText: String { Timestamp.format(clock()) }
    var nowSeconds: Double { clock().timeIntervalSince1970 }

    /// Who messaging calls other services as: itself.
    static let me = Viewer.service(ServiceName.messaging)

    /// Whether a conversation id belongs to this shard.
    func owns(_ conversationId: String) -> Bool { MessagingRPC.instance(of: conversationId) == instance }

    /// The conversation and the caller's access to it; `not_found` when there is none.
    func open(_ db: SQLiteConnection, _ conversationId: String, _ viewer: Viewer) throws -> (ConversationRow, ChatAccess) {
        guard let c = try ConversationRow.load(db, conversationId), let access = try ChatAccess.of(viewer, in: c, db: db) else {
            throw PosyError(.notFound, "no conversation \(conversationId)")
        }
        return (c, access)
    }

    /// The member row of the caller, created for staff on first use with the unread count it would have had.
    func member(_ db: SQLiteConnection, _ c: ConversationRow, _ access: ChatAccess) throws -> MemberRow {
        if let m = access.member { return m }
        var m = MemberRow(userId: access.userId, party: access.party, fromSeq: access.fromSeq, untilSeq: access.untilSeq)
        // Staff come here before their first read or message: everything not recalled is unread.
        m.unread = access.party == .shop ? c.liveCount : try Self.countUnread(db, c.id, member: m)
        try m.save(db, c.id)
        return m
    }

    /// Messages of others after the member's read cursor, in their range, not recalled.
    static func countUnread(_ db: SQLiteConnection, _ conversationId: String, member m: MemberRow) throws -> Int {
        let from = max(m.readSeq + 1, m.fromSeq)
        let until = m.untilSeq ?? Int64.max
        return Int(
            try db.queryOne(
                """
                SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq >= ? AND seq <= ?
                  AND NOT (sender_id = ? AND party = ?) AND recalled_at IS NULL AND party NOT IN ('system', 'assistant')
                """, conversationId, from, until, m.userId, m.party.rawValue)?.int(0) ?? 0)
    }

    /// Every party's cursors in a conversation: the shop's are the furthest of its staff.
    static func receipts(_ members: [MemberRow]) -> [PartyReceipt] {
        var byParty: [ChatParty: PartyReceipt] = [:]
        for m in members where !m.removed && !m.party.isAutomated {
            var r = byParty[m.party] ?? PartyReceipt(party: m.party, deliveredSeq: 0, readSeq: 0)
            r.deliveredSeq = max(r.deliveredSeq, m.deliveredSeq)
            r.readSeq = max(r.readSeq, m.readSeq)
            byParty[m.party] = r
        }
        return ChatParty.allCases.compactMap { byParty[$0] }
    }

    /// Records a change for sync: messages append; a recall, receipt or conversation change replaces
    /// the earlier one of the same ref, so sync shows each once, at its newest position.
    static func recordChange(_ db: SQLiteConnection, _ conversationId: String, type: String, ref: String) throws {
        if type != "message" {
            try db.run("DELETE FROM changes WHERE conversation_id = ? AND type = ? AND ref = ?", conversationId, type, ref)
        }
        try db.run("INSERT INTO changes(conversation_id, type, ref) VALUES (?,?,?)", conversationId, type, ref)
    }

    /// Calls another service's `method` through `peer` (injected, so tests can stand in for it).
    func call<Request: Encodable & Sendable, Reply: Decodable & Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, timeout: Duration
    ) async throws -> Reply {
        try RPCClient.decode(method, try await peer(method.service, method.name, Self.me.request(JSON.encode(request)), timeout))
    }
}
