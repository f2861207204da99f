/// One message of a conversation as stored and shown. `seq` is assigned by the conversation's shard,
/// counts 1, 2, 3… per conversation and never goes back; `(conversationId, seq)` names a message.
/// A recalled message keeps its place with `recalledAt` set and its content removed.
public struct ChatMessage: Codable, Sendable, Equatable {
    public var conversationId: String
    public var seq: Int64
    public var senderId: String
    public var party: ChatParty
    /// The sender's own id for the message (idempotency); nil for system messages.
    public var clientMsgId: String?
    public var kind: MessageKind
    public var text: String?
    public var media: MessageMedia?
    public var location: ChatLocation?
    /// Structured content of a `card` (ETA, proof of delivery) or the event behind a `system` message.
    public var card: JSONValue?
    /// Server time of the message (RFC 3339 ms).
    public var at: String
    public var recalledAt: String?
    /// When the message's content was erased with its order's personal data (docs/architecture.md, "Privacy").
    public var erasedAt: String?

    public init(
        conversationId: String, seq: Int64, senderId: String, party: ChatParty, clientMsgId: String?,
        kind: MessageKind, text: String? = nil, media: MessageMedia? = nil, location: ChatLocation? = nil,
        card: JSONValue? = nil, at: String, recalledAt: String? = nil
    ) {
        self.conversationId = conversationId
        self.seq = seq
        self.senderId = senderId
        self.party = party
        self.clientMsgId = clientMsgId
        self.kind = kind
        self.text = text
        self.media = media
        self.location = location
        self.card = card
        self.at = at
        self.recalledAt = recalledAt
    }
}
