/// `chat.unheard`: messages to a courier or customer that none of their devices has taken for
/// `--unheard-after` seconds (the app is not connected). Who and where, never what was said.
public struct ChatUnheard: Codable, Sendable, Equatable {
    public var conversationId: String
    public var orderId: String?
    public var shopId: String
    public var party: ChatParty
    public var userId: String
    /// The newest message they have not had.
    public var seq: Int64
    /// Who wrote it.
    public var from: ChatParty
    public var at: String

    public init(
        conversationId: String, orderId: String?, shopId: String, party: ChatParty, userId: String, seq: Int64, from: ChatParty, at: String
    ) {
        self.conversationId = conversationId
        self.orderId = orderId
        self.shopId = shopId
        self.party = party
        self.userId = userId
        self.seq = seq
        self.from = from
        self.at = at
    }
}
