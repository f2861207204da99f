/// What a proof photo's EXIF says next to the hand-over.
public struct PhotoCheck: Codable, Sendable, Equatable {
    public var mediaId: String
    /// Minutes between capture and proof (positive: taken before); nil without a capture time.
    public var minutesBeforeProof: Double?
    /// Metres from the photo's GPS position to the recipient's address; nil without either.
    public var distanceMeters: Double?
    /// `noMetadata`, `takenLongBefore` (over 60 min), `takenAfter` (over 5 min after), `farFromAddress` (over 200 m).
    public var flags: [String]

    public init(mediaId: String, minutesBeforeProof: Double?, distanceMeters: Double?, flags: [String]) {
        self.mediaId = mediaId
        self.minutesBeforeProof = minutesBeforeProof
        self.distanceMeters = distanceMeters
        self.flags = flags
    }
}
