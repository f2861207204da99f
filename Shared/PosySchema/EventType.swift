/// A durable event type: its topic on the bus and the type of its payload (docs/protocol.md, "Topics
/// every process uses"). Sources emit against it and subscribers handle it, so an event's payload
/// type is checked where it is written and where it is read.
public struct EventType<Payload: Codable & Sendable>: Sendable, Hashable, CustomStringConvertible {
    public let topic: String

    public init(_ topic: String) { self.topic = topic }

    public var description: String { topic }

    /// Whether `envelope` is an event of this type.
    public func matches(_ envelope: Envelope) -> Bool { envelope.type == topic }
}

extension Envelope {
    /// The payload of an event of `type` (`bad_payload` when it does not decode as one).
    public func decode<P>(_ type: EventType<P>) throws -> P { try decode(P.self) }
}

/// Events of posy-orders.
public enum OrdersEvents {
    /// Every order event's topic starts with this: states, changes, the unacknowledged assignment.
    public static let prefix = "order."
    /// The order moved to `state` (`order.<state>`).
    public static func state(_ state: OrderState) -> EventType<OrderEvent> { EventType(state.eventType) }
    public static let assignmentUnacknowledged = EventType<AssignmentUnacknowledged>("order.assignment.unacknowledged")
    public static let changePrefix = "order.change."
    public static let changeRequested = EventType<OrderChange>("order.change.requested")
    public static let changeApplied = EventType<OrderChange>("order.change.applied")
    public static let changeRejected = EventType<OrderChange>("order.change.rejected")
    public static let exceptionPrefix = "exception."
    public static let exceptionOpened = EventType<OrderException>("exception.opened")
    public static let exceptionAcknowledged = EventType<OrderException>("exception.acknowledged")
    public static let exceptionResolved = EventType<OrderException>("exception.resolved")
    public static let exceptionEscalated = EventType<OrderException>("exception.escalated")
    /// A shop was created: where it is, its time zone.
    public static let shop = EventType<Shop>(Topic.fleetShop)
    /// A courier was created or went on or off duty.
    public static let courier = EventType<Courier>(Topic.fleetCourier)
    /// Sessions or API keys were ended (sign-out, a person removed, a key revoked).
    public static let accessEnded = EventType<AccessEnded>(Topic.fleetAccessEnded)
}

/// Events of posy-receipts.
public enum ReceiptsEvents {
    public static let proofPrefix = "proof."
    public static let proofAccepted = EventType<Proof>("proof.accepted")
    public static let deliveryConfirmed = EventType<DeliveryConfirmation>("delivery.confirmed")
    public static let deliveryDisputed = EventType<DeliveryConfirmation>("delivery.disputed")
}

/// Events of posy-location, all with a ``DeliveryAlert``.
public enum LocationEvents {
    /// posy-location's alerts and, with the same prefix, receipts' `delivery.confirmed|disputed`.
    public static let prefix = "delivery."
    public static let departed = EventType<DeliveryAlert>("delivery.departed")
    public static let arriving = EventType<DeliveryAlert>("delivery.arriving")
    public static let delayRisk = EventType<DeliveryAlert>("delivery.delayRisk")
    public static let signalLost = EventType<DeliveryAlert>("delivery.signalLost")
    public static let signalRestored = EventType<DeliveryAlert>("delivery.signalRestored")
    public static let stuck = EventType<DeliveryAlert>("delivery.stuck")
}

/// Events of posy-messaging.
public enum MessagingEvents {
    public static let prefix = "chat."
    /// A courier or customer has not had a message delivered to any of their devices for a while
    /// (docs/architecture.md, "Messaging"): posy-notify may reach them with the page closed.
    public static let unheard = EventType<ChatUnheard>("chat.unheard")
}

/// Events every process knows.
public enum SystemEvents {
    public static let probe = EventType<Probe>(Topic.probe)
    public static let probeAck = EventType<ProbeAck>(Topic.probeAck)
}
