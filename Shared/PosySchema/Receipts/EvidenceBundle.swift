/// `GET /v1/orders/{id}/evidence`: everything that settles a dispute about one order.
public struct EvidenceBundle: Codable, Sendable, Equatable {
    public var orderId: String
    public var generatedAt: String
    /// The order as the caller may see it (from posy-orders).
    public var order: EvidenceSection
    public var timeline: EvidenceSection
    public var chat: EvidenceSection
    public var track: EvidenceSection
    public var proofs: [Proof]
    public var confirmations: [DeliveryConfirmation]
    /// What the customer said after looking at the flowers on a video call, oldest first.
    public var looks: [LookVerdict]
    public var media: [MediaInfo]
    /// The chain's records (staff only; a customer gets the verification result).
    public var records: [EvidenceRecord]?
    public var chain: ChainVerification

    public init(
        orderId: String, generatedAt: String, order: EvidenceSection, timeline: EvidenceSection, chat: EvidenceSection,
        track: EvidenceSection, proofs: [Proof], confirmations: [DeliveryConfirmation], looks: [LookVerdict] = [],
        media: [MediaInfo], records: [EvidenceRecord]?, chain: ChainVerification
    ) {
        self.looks = looks
        self.orderId = orderId
        self.generatedAt = generatedAt
        self.order = order
        self.timeline = timeline
        self.chat = chat
        self.track = track
        self.proofs = proofs
        self.confirmations = confirmations
        self.media = media
        self.records = records
        self.chain = chain
    }
}
