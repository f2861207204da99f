/// `clock.advance`: how far to move a test clock.
public struct ClockAdvance: Codable, Sendable {
    public var seconds: Double
    public init(seconds: Double) { self.seconds = seconds }

    public struct Reply: Codable, Sendable, Equatable {
        /// The service's time after the move (RFC 3339).
        public var now: String
        public init(now: String) { self.now = now }
    }
}
