/// One change in a caller's sync (`GET /v1/sync`), in the order the shard made them.
/// `type`: `message` (new, with its current content: a recalled one comes as its placeholder),
/// `recall` (a message seen before lost its content), `receipt` (a party's cursors moved; the
/// caller's own come with `unread`), `conversation` (joined, or it changed: read-only, courier left).
public struct SyncChange: Codable, Sendable, Equatable {
    public var type: String
    public var conversationId: String
    public var message: ChatMessage?
    public var receipt: ReceiptUpdate?
    public var conversation: ConversationSummary?

    public init(
        type: String, conversationId: String, message: ChatMessage? = nil, receipt: ReceiptUpdate? = nil,
        conversation: ConversationSummary? = nil
    ) {
        self.type = type
        self.conversationId = conversationId
        self.message = message
        self.receipt = receipt
        self.conversation = conversation
    }
}
