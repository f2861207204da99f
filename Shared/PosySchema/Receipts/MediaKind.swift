/// What a piece of media is for; each kind has its own size limit.
public enum MediaKind: String, Codable, Sendable, CaseIterable {
    case image, voice, video
}
