/// A conversation as its participant sees it (`GET /v1/conversations`, `…/{id}`).
public struct ConversationSummary: Codable, Sendable, Equatable {
    public var id: String
    /// `order` (customer, shop, courier) or `direct` (the shop and one of its couriers).
    public var kind: String
    public var orderId: String?
    public var shopId: String
    /// The parties in it now (the courier once they accepted, until unassigned).
    public var parties: [ChatParty]
    public var lastSeq: Int64
    public var lastMessage: ChatMessage?
    /// Messages of others after the caller's read cursor (never negative, never the caller's own).
    public var unread: Int
    /// The caller's own cursors.
    public var deliveredSeq: Int64
    public var readSeq: Int64
    /// The other parties' cursors: sent / delivered / read per message follow from them.
    public var receipts: [PartyReceipt]
    /// When it turns (or turned) read-only: 24 h after the order ended.
    public var readOnlyAt: String?
    public var readOnly: Bool
    /// Whether the caller may send (read-only, or a courier whose delivery ended, may not).
    public var canSend: Bool
    /// The assistant handed the conversation over (asked for a person, or a question it could not
    /// answer) and no staff member has written since: since when.
    public var needsPersonSince: String?

    public init(
        id: String, kind: String, orderId: String?, shopId: String, parties: [ChatParty], lastSeq: Int64,
        lastMessage: ChatMessage?, unread: Int, deliveredSeq: Int64, readSeq: Int64, receipts: [PartyReceipt],
        readOnlyAt: String?, readOnly: Bool, canSend: Bool, needsPersonSince: String? = nil
    ) {
        self.needsPersonSince = needsPersonSince
        self.id = id
        self.kind = kind
        self.orderId = orderId
        self.shopId = shopId
        self.parties = parties
        self.lastSeq = lastSeq
        self.lastMessage = lastMessage
        self.unread = unread
        self.deliveredSeq = deliveredSeq
        self.readSeq = readSeq
        self.receipts = receipts
        self.readOnlyAt = readOnlyAt
        self.readOnly = readOnly
        self.canSend = canSend
    }
}
