/// How far one party got in a conversation: every message up to `deliveredSeq` reached one of
/// its devices, every one up to `readSeq` was read. For the shop, the furthest of its staff.
public struct PartyReceipt: Codable, Sendable, Equatable {
    public var party: ChatParty
    public var deliveredSeq: Int64
    public var readSeq: Int64

    public init(party: ChatParty, deliveredSeq: Int64, readSeq: Int64) {
        self.party = party
        self.deliveredSeq = deliveredSeq
        self.readSeq = readSeq
    }
}
