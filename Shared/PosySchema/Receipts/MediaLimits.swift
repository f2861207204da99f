/// Largest upload per kind, in bytes (defaults: image 10 MiB, voice 5 MiB, video 100 MiB).
public struct MediaLimits: Codable, Sendable, Equatable {
    public var image: Int64
    public var voice: Int64
    public var video: Int64

    public init(image: Int64 = 10 << 20, voice: Int64 = 5 << 20, video: Int64 = 100 << 20) {
        self.image = image
        self.voice = voice
        self.video = video
    }

    public func limit(for kind: MediaKind) -> Int64 {
        switch kind {
        case .image: image
        case .voice: voice
        case .video: video
        }
    }
}
