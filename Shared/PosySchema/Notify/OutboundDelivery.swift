/// One message posy-notify sends out of the suite — a webhook call, an SMS, an email — with every
/// attempt. `pending` until it succeeds (`delivered`) or the retry period ends (`dead`: the
/// dead-letter list).
public struct OutboundDelivery: Codable, Sendable, Equatable {
    public var id: String
    public var channel: String
    /// Webhook id, phone number or email address.
    public var target: String
    public var event: String
    public var state: State
    public var attempts: [Attempt]
    public var createdAt: String
    public var nextAt: String?
    public var deliveredAt: String?
    /// The delivery this one replays by hand.
    public var replayOf: String?

    public enum State: String, Codable, Sendable, CaseIterable {
        case pending, delivered, dead
    }

    /// One try: when, and the HTTP status or the error.
    public struct Attempt: Codable, Sendable, Equatable {
        public var n: Int
        public var at: String
        public var status: Int?
        public var error: String?
        public var ms: Int

        public init(n: Int, at: String, status: Int?, error: String?, ms: Int) {
            self.n = n
            self.at = at
            self.status = status
            self.error = error
            self.ms = ms
        }
    }

    public init(
        id: String, channel: String, target: String, event: String, state: State, attempts: [Attempt], createdAt: String,
        nextAt: String?, deliveredAt: String?, replayOf: String?
    ) {
        self.id = id
        self.channel = channel
        self.target = target
        self.event = event
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAt = nextAt
        self.deliveredAt = deliveredAt
        self.replayOf = replayOf
    }
}
