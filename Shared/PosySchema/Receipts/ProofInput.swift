/// What the courier submits as proof of delivery: `POST /v1/orders/{id}/proof`.
public struct ProofInput: Codable, Sendable, Equatable {
    /// Photos (image media of this order); at least one unless `signatureId` is given.
    public var photoIds: [String]?
    /// An image of the recipient's signature.
    public var signatureId: String?
    /// Where the courier stood at hand-over, and the fix's accuracy in metres.
    public var lat: Double
    public var lon: Double
    public var accuracy: Double
    public var handedTo: HandOver
    public var recipientName: String?
    public var note: String?

    public init(
        photoIds: [String]?, signatureId: String? = nil, lat: Double, lon: Double, accuracy: Double,
        handedTo: HandOver, recipientName: String? = nil, note: String? = nil
    ) {
        self.photoIds = photoIds
        self.signatureId = signatureId
        self.lat = lat
        self.lon = lon
        self.accuracy = accuracy
        self.handedTo = handedTo
        self.recipientName = recipientName
        self.note = note
    }
}
