/// A party's delivery/read cursor moved (pushed as `msg.receipt`, listed by sync).
/// `unread` is the reader's own count, sent only to the reader's devices.
public struct ReceiptUpdate: Codable, Sendable, Equatable {
    public var conversationId: String
    public var party: ChatParty
    public var deliveredSeq: Int64
    public var readSeq: Int64
    public var at: String
    public var unread: Int?

    public init(conversationId: String, party: ChatParty, deliveredSeq: Int64, readSeq: Int64, at: String, unread: Int? = nil) {
        self.conversationId = conversationId
        self.party = party
        self.deliveredSeq = deliveredSeq
        self.readSeq = readSeq
        self.at = at
        self.unread = unread
    }
}
