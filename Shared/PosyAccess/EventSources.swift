import PosySchema

/// Who may say what on the bus (docs/protocol.md, "Who may say what"). The bus checks every message
/// against the identity its publisher's connection proved, and subscribers check again what they apply.
public enum EventSources {
    /// The identity that alone publishes events on `topic`, or nil when any identity may (probes and
    /// their acks, heartbeats — checked by ``isOwnHeartbeat(_:of:)`` —, pushes to users, test topics).
    public static func owner(of topic: String) -> String? {
        if topic == ReceiptsEvents.deliveryConfirmed.topic || topic == ReceiptsEvents.deliveryDisputed.topic {
            return ServiceName.receipts
        }
        if topic.hasPrefix(OrdersEvents.prefix) || topic.hasPrefix(OrdersEvents.exceptionPrefix) || topic.hasPrefix(Topic.fleetPrefix) {
            return ServiceName.orders
        }
        if topic.hasPrefix(ReceiptsEvents.proofPrefix) { return ServiceName.receipts }
        if topic.hasPrefix(LocationEvents.prefix) { return ServiceName.location }
        if topic.hasPrefix(MessagingEvents.prefix) { return ServiceName.messaging }
        if topic == PrivacyEvents.erasure.topic { return ServiceName.orders }
        return nil
    }

    /// Who reports having forgotten an erasure's data: the stores posy-orders asks (docs/architecture.md, "Privacy").
    public static let forgetters: Set<String> = [ServiceName.messaging, ServiceName.location, ServiceName.receipts, ServiceName.notify]

    /// Whether a process proven to be `peer` may publish `event` on `topic`: its `src` is the peer's
    /// own name (``ServiceName/owns(_:_:)``); a push to people is ephemeral and of a type the peer
    /// sends (``pushSender(of:)``); otherwise the topic, if it belongs to a service, belongs to the
    /// peer, and a durable event's type is its topic.
    public static func mayPublish(_ peer: String, topic: String, _ event: Envelope) -> Bool {
        mayPublish(peer, topic: topic, event.header)
    }

    /// The same rule on what the bus's gate reads of each event (``EnvelopeHeader``).
    public static func mayPublish(_ peer: String, topic: String, _ event: EnvelopeHeader) -> Bool {
        guard ServiceName.owns(peer, event.src) else { return false }
        if Topic.isPush(topic) {
            guard !event.isDurable, pushSender(of: event.type) == peer else { return false }
            return event.type != PushType.canary || Topic.canaries(of: event.src).contains(topic)
        }
        if event.isDurable && event.type != topic { return false }
        if topic == PrivacyEvents.forgotten.topic { return forgetters.contains(peer) }
        return owner(of: topic).map { $0 == peer } ?? true
    }

    /// The identity that alone sends pushes of `type` (the frame type people's devices see): chat
    /// from messaging, positions from location, notifications from notify; nil for a type nobody sends.
    public static func pushSender(of type: String) -> String? {
        switch type {
        case PushType.messageNew, PushType.messageRecalled, PushType.messageReceipt, PushType.messageUnread, PushType.typing,
            PushType.callSignal,
            PushType.conversationUpdated:
            ServiceName.messaging
        case PushType.orderPosition, PushType.courierPosition, PushType.courierOffDuty: ServiceName.location
        case PushType.notification: ServiceName.notify
        case PushType.canary, PushType.subscribed: ServiceName.gateway
        default: nil
        }
    }

    /// Whether a heartbeat speaks for the process that sent it: its `instance` is the envelope's `src`
    /// and its `service` the identity that name belongs to, so nobody announces another's endpoint.
    public static func isOwnHeartbeat(_ heartbeat: Heartbeat, of event: Envelope) -> Bool {
        heartbeat.instance == event.src && heartbeat.service == ServiceName.identity(of: event.src)
    }
}
