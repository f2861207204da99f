/// What a client sends (`POST /v1/conversations/{id}/messages`, or a `msg.send` frame on the stream).
/// `kind` stays a string so an unknown kind is refused with `invalid_field` rather than as bad JSON.
public struct MessageInput: Codable, Sendable, Equatable {
    /// The sender's id for this message, 1…64 characters: sending it again returns the first message.
    public var clientMsgId: String
    public var kind: String
    public var text: String?
    /// For image, voice, video and file: a media id of this order from `POST /v1/media`.
    public var mediaId: String?
    public var durationMs: Int?
    /// For a voice note: its loudness over its length, up to ``maxWaveform`` levels 0…100.
    public var waveform: [Int]?
    public var location: ChatLocation?

    public init(
        clientMsgId: String, kind: String, text: String? = nil, mediaId: String? = nil, durationMs: Int? = nil,
        waveform: [Int]? = nil, location: ChatLocation? = nil
    ) {
        self.waveform = waveform
        self.clientMsgId = clientMsgId
        self.kind = kind
        self.text = text
        self.mediaId = mediaId
        self.durationMs = durationMs
        self.location = location
    }

    /// Longest text, in characters.
    public static let maxText = 4_000
    public static let maxClientMsgId = 64
    public static let maxWaveform = 64
    /// How far a stated length may be from the one the file's container states: a recorder's clock
    /// and the encoder's frames never agree to the millisecond.
    public static func durationAgrees(stated: Int, file: Int) -> Bool {
        abs(stated - file) <= max(1_000, file / 10)
    }
}
