/// What a chat message carries. `system` and `card` are written by Posy itself (order
/// events rendered into the chat, ETA and proof cards); people send the others.
public enum MessageKind: String, Codable, Sendable, CaseIterable {
    case text, image, voice, video, file, location, system, card

    /// Kinds a participant may send.
    public var isSendable: Bool { self != .system && self != .card }

    /// The media kind a message of this kind must reference; nil when it takes no media
    /// (`file` takes any media of the order).
    public var mediaKind: MediaKind? {
        switch self {
        case .image: .image
        case .voice: .voice
        case .video: .video
        default: nil
        }
    }
}
