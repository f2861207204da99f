/// A container format `posy-receipts` accepts, recognised from its magic bytes (``MediaSniffer``).
public enum MediaFormat: String, Codable, Sendable, CaseIterable {
    case jpeg, png, webp, heic
    case ogg, aac, m4a, amr, mp3, wav
    /// WebM with audio only: what Chromium's MediaRecorder writes for a voice message.
    case weba
    case mp4, quicktime, webm

    public var kind: MediaKind {
        switch self {
        case .jpeg, .png, .webp, .heic: .image
        case .ogg, .aac, .m4a, .amr, .mp3, .wav, .weba: .voice
        case .mp4, .quicktime, .webm: .video
        }
    }

    /// The content type stored and served for media of this format.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .heic: "image/heic"
        case .ogg: "audio/ogg"
        case .aac: "audio/aac"
        case .m4a: "audio/mp4"
        case .amr: "audio/amr"
        case .mp3: "audio/mpeg"
        case .wav: "audio/wav"
        case .weba: "audio/webm"
        case .mp4: "video/mp4"
        case .quicktime: "video/quicktime"
        case .webm: "video/webm"
        }
    }

    /// The formats a declared `Content-Type` may carry (parameters and case ignored); nil when the
    /// type is not one Posy takes. `audio/mp4` may be either brand an M4A file is written with.
    public static func accepted(forDeclared contentType: String) -> Set<MediaFormat>? {
        let base = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch base {
        case "image/jpeg", "image/jpg", "image/pjpeg": return [.jpeg]
        case "image/png": return [.png]
        case "image/webp": return [.webp]
        case "image/heic", "image/heif", "image/heic-sequence": return [.heic]
        case "audio/ogg", "audio/opus", "audio/ogg; codecs=opus": return [.ogg]
        case "audio/aac", "audio/aacp", "audio/x-aac": return [.aac]
        case "audio/mp4", "audio/m4a", "audio/x-m4a": return [.m4a, .mp4]
        case "audio/amr", "audio/amr-wb": return [.amr]
        case "audio/mpeg", "audio/mp3", "audio/mpeg3": return [.mp3]
        case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave": return [.wav]
        case "audio/webm": return [.weba]
        case "video/mp4": return [.mp4]
        case "video/quicktime": return [.quicktime, .mp4]
        case "video/webm": return [.webm]
        default: return nil
        }
    }
}
