/// Messages of one conversation in seq order (`GET /v1/conversations/{id}/messages`).
public struct MessagePage: Codable, Sendable, Equatable {
    public var conversationId: String
    public var messages: [ChatMessage]
    /// More messages lie beyond this page in the direction asked.
    public var hasMore: Bool
    /// The other parties' cursors, to show sent / delivered / read.
    public var receipts: [PartyReceipt]

    public init(conversationId: String, messages: [ChatMessage], hasMore: Bool, receipts: [PartyReceipt]) {
        self.conversationId = conversationId
        self.messages = messages
        self.hasMore = hasMore
        self.receipts = receipts
    }
}
