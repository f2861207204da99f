/// The media a message references, as receipts stored it (`GET /v1/media/{id}` serves the bytes).
public struct MessageMedia: Codable, Sendable, Equatable {
    public var id: String
    public var kind: MediaKind
    public var contentType: String
    public var size: Int64
    /// Length of a voice note or video, as the sender's app measured it.
    public var durationMs: Int?
    /// A voice note's loudness over its length, as the sender's app drew it: up to 64 levels 0…100.
    public var waveform: [Int]?

    public init(
        id: String, kind: MediaKind, contentType: String, size: Int64, durationMs: Int? = nil, waveform: [Int]? = nil
    ) {
        self.waveform = waveform
        self.id = id
        self.kind = kind
        self.contentType = contentType
        self.size = size
        self.durationMs = durationMs
    }
}
