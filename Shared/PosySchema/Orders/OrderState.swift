/// Where an order is in its life. Exceptions are not a state: an order keeps moving
/// while it has open exceptions.
public enum OrderState: String, Codable, Sendable, CaseIterable {
    case placed, confirmed, assigned, accepted, pickedUp, outForDelivery, arriving, delivered, completed
    case cancelled, failed, returned

    /// No transition leaves these.
    public var isTerminal: Bool { self == .completed || self == .cancelled || self == .returned }

    /// The durable event type announcing that an order entered this state: `order.<state>`.
    public var eventType: String { "order.\(rawValue)" }
}
