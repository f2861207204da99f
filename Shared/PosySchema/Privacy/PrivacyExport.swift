/// `GET /v1/privacy/export`: everything Posy holds about one person, for an access request
/// (docs/protocol.md, "Privacy"). `parts` are each store's own, by instance; media bytes are
/// inlined by the gateway (``ExportedMedia``).
public struct PrivacyExport: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var generatedAt: String
    /// How the person was named: `customerId` or `phone`.
    public var subject: String
    public var shopId: String?
    /// The person's orders as their shop sees them, with their change requests.
    public var orders: [Order]
    public var changes: [OrderChange]
    /// Each store's part: `messaging-<n>` the orders' chat, `receipts` media, proofs and answers,
    /// `notify` inbox, devices and messages sent to the person, `location` the deliveries.
    public var parts: [String: JSONValue]
    /// Stores that did not answer, and why: the export is incomplete while any is listed.
    public var unavailable: [String: String]
    public var media: [ExportedMedia]

    public init(
        generatedAt: String, subject: String, shopId: String?, orders: [Order], changes: [OrderChange], parts: [String: JSONValue],
        unavailable: [String: String], media: [ExportedMedia] = []
    ) {
        self.generatedAt = generatedAt
        self.subject = subject
        self.shopId = shopId
        self.orders = orders
        self.changes = changes
        self.parts = parts
        self.unavailable = unavailable
        self.media = media
    }
}

/// One media item of an export, its bytes inlined (base64) unless the export's limit was reached.
public struct ExportedMedia: Codable, Sendable, Equatable {
    public var id: String
    public var orderId: String
    public var contentType: String
    public var sha256: String
    public var size: Int64
    public var base64: String?
    /// Why the bytes are not inlined (purged, or past the export's limit: fetch `/v1/media/{id}`).
    public var omitted: String?

    public init(id: String, orderId: String, contentType: String, sha256: String, size: Int64, base64: String?, omitted: String?) {
        self.id = id
        self.orderId = orderId
        self.contentType = contentType
        self.sha256 = sha256
        self.size = size
        self.base64 = base64
        self.omitted = omitted
    }
}
