import PosySchema
import PosyStore

/// A conversation's row in `messaging-<shard>.db`.
struct ConversationRow: Sendable {
    var id: String
    var kind: String
    var orderId: String?
    var shopId: String
    var customerId: String?
    var orderState: String?
    var lastSeq: Int64
    /// Messages not recalled: a staff member who never read sees them all as unread.
    var liveCount: Int
    var lastAt: String?
    /// Seconds since 1970 from which it takes no messages.
    var readOnlyAt: Double?
    /// Since when the assistant's hand-over waits for a staff member (RFC 3339).
    var needsPersonAt: String?

    static let columns =
        "id, kind, order_id, shop_id, customer_id, order_state, last_seq, live_count, last_at, read_only_at, needs_person_at"

    init(
        id: String, kind: String, orderId: String?, shopId: String, customerId: String?, orderState: String?,
        lastSeq: Int64 = 0, liveCount: Int = 0, lastAt: String? = nil, readOnlyAt: Double? = nil, needsPersonAt: String? = nil
    ) {
        self.needsPersonAt = needsPersonAt
        self.id = id
        self.kind = kind
        self.orderId = orderId
        self.shopId = shopId
        self.customerId = customerId
        self.orderState = orderState
        self.lastSeq = lastSeq
        self.liveCount = liveCount
        self.lastAt = lastAt
        self.readOnlyAt = readOnlyAt
    }

    init(_ row: SQLRow) {
        self.init(
            id: row.string(0)!, kind: row.string(1)!, orderId: row.string(2), shopId: row.string(3)!,
            customerId: row.string(4), orderState: row.string(5), lastSeq: row.int(6) ?? 0,
            liveCount: Int(row.int(7) ?? 0), lastAt: row.string(8), readOnlyAt: row.double(9), needsPersonAt: row.string(10))
    }

    static func load(_ db: SQLiteConnection, _ id: String) throws -> ConversationRow? {
        try db.queryOne("SELECT \(columns) FROM conversations WHERE id = ?", id).map(ConversationRow.init)
    }

    static func load(_ db: SQLiteConnection, order orderId: String) throws -> ConversationRow? {
        try db.queryOne("SELECT \(columns) FROM conversations WHERE order_id = ?", orderId).map(ConversationRow.init)
    }

    func isReadOnly(at now: Double) -> Bool { readOnlyAt.map { now >= $0 } ?? false }
}
