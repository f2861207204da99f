import PosySchema
import PosyStore

/// One participant's place in a conversation: which messages they may see (`fromSeq`…`untilSeq`),
/// their delivery and read cursors, and their unread count (kept up to date on every change).
struct MemberRow: Sendable, Equatable {
    var userId: String
    var party: ChatParty
    var fromSeq: Int64
    var untilSeq: Int64?
    var removed: Bool
    var deliveredSeq: Int64
    var readSeq: Int64
    var unread: Int

    static let columns = "user_id, party, from_seq, until_seq, removed, delivered_seq, read_seq, unread"

    init(
        userId: String, party: ChatParty, fromSeq: Int64 = 1, untilSeq: Int64? = nil, removed: Bool = false,
        deliveredSeq: Int64 = 0, readSeq: Int64 = 0, unread: Int = 0
    ) {
        self.userId = userId
        self.party = party
        self.fromSeq = fromSeq
        self.untilSeq = untilSeq
        self.removed = removed
        self.deliveredSeq = deliveredSeq
        self.readSeq = readSeq
        self.unread = unread
    }

    init(_ row: SQLRow) {
        self.init(
            userId: row.string(0)!, party: ChatParty(rawValue: row.string(1)!) ?? .system, fromSeq: row.int(2) ?? 1,
            untilSeq: row.int(3), removed: (row.int(4) ?? 0) != 0, deliveredSeq: row.int(5) ?? 0,
            readSeq: row.int(6) ?? 0, unread: Int(row.int(7) ?? 0))
    }

    static func load(_ db: SQLiteConnection, _ conversationId: String, user: String, party: ChatParty) throws -> MemberRow? {
        try db.queryOne(
            "SELECT \(columns) FROM members WHERE conversation_id = ? AND user_id = ? AND party = ?",
            conversationId, user, party.rawValue
        ).map(MemberRow.init)
    }

    static func all(_ db: SQLiteConnection, _ conversationId: String) throws -> [MemberRow] {
        try db.query("SELECT \(columns) FROM members WHERE conversation_id = ?", conversationId).map(MemberRow.init)
    }

    func save(_ db: SQLiteConnection, _ conversationId: String) throws {
        try db.run(
            """
            INSERT INTO members(conversation_id, user_id, party, from_seq, until_seq, removed, delivered_seq, read_seq, unread)
            VALUES (?,?,?,?,?,?,?,?,?)
            ON CONFLICT(conversation_id, user_id, party) DO UPDATE SET from_seq = excluded.from_seq,
              until_seq = excluded.until_seq, removed = excluded.removed, delivered_seq = excluded.delivered_seq,
              read_seq = excluded.read_seq, unread = excluded.unread
            """, conversationId, userId, party.rawValue, fromSeq, untilSeq, removed ? 1 : 0, deliveredSeq, readSeq, unread)
    }

    /// Whether new messages reach this member.
    var isActive: Bool { !removed && untilSeq == nil }
}
