/// A media item as a proof or dispute names it: its id and the hash of its bytes.
public struct ProofMedia: Codable, Sendable, Equatable {
    public var id: String
    public var sha256: String
    public var contentType: String
    public var size: Int64
    public var photo: PhotoMetadata?

    public init(id: String, sha256: String, contentType: String, size: Int64, photo: PhotoMetadata? = nil) {
        self.id = id
        self.sha256 = sha256
        self.contentType = contentType
        self.size = size
        self.photo = photo
    }

    public init(_ m: MediaInfo) {
        self.init(id: m.id, sha256: m.sha256, contentType: m.contentType, size: m.size, photo: m.photo)
    }
}
