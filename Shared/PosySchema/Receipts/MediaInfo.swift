/// A stored piece of media as the API shows it: `POST /v1/media` answers with it.
public struct MediaInfo: Codable, Sendable, Equatable {
    public var id: String
    /// Hex SHA-256 of the bytes: the name of the blob on disk and the `ETag`.
    public var sha256: String
    public var size: Int64
    public var kind: MediaKind
    public var contentType: String
    /// The order it belongs to: its parties (and the uploader) may read it.
    public var orderId: String
    public var createdAt: String
    /// EXIF of a JPEG, when it had any.
    public var photo: PhotoMetadata?
    /// A voice note's or video's length as its container states it, when it does.
    public var durationMs: Int?
    /// Set once retention removed the bytes; the hash stays in the evidence chain.
    public var purgedAt: String?

    public init(
        id: String, sha256: String, size: Int64, kind: MediaKind, contentType: String, orderId: String,
        createdAt: String, photo: PhotoMetadata? = nil, durationMs: Int? = nil, purgedAt: String? = nil
    ) {
        self.durationMs = durationMs
        self.id = id
        self.sha256 = sha256
        self.size = size
        self.kind = kind
        self.contentType = contentType
        self.orderId = orderId
        self.createdAt = createdAt
        self.photo = photo
        self.purgedAt = purgedAt
    }
}
