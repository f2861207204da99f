import Foundation
import PosySchema

/// What the assistant may tell a customer about their order: its state and window, and while it
/// is out for delivery the courier's distance and ETA (posy-location's view for the customer).
public struct AssistantFacts: Sendable, Equatable {
    public var state: OrderState
    public var windowStart: String?
    public var windowEnd: String?
    public var deliveredAt: String?
    /// IANA zone the times are told in (the shop's).
    public var timeZone: String?
    public var distanceMeters: Double?
    public var etaSeconds: Double?
    public var etaAt: String?

    public init(
        state: OrderState, windowStart: String? = nil, windowEnd: String? = nil, deliveredAt: String? = nil, timeZone: String? = nil,
        distanceMeters: Double? = nil, etaSeconds: Double? = nil, etaAt: String? = nil
    ) {
        self.state = state
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.deliveredAt = deliveredAt
        self.timeZone = timeZone
        self.distanceMeters = distanceMeters
        self.etaSeconds = etaSeconds
        self.etaAt = etaAt
    }

    /// `HH:mm` in the shop's zone.
    func clock(_ text: String?) -> String? { Timestamp.clock(text, timeZone: timeZone) }
}
