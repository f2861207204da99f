import PosySchema

/// Who may read what (docs/protocol.md, "Who may read what"): the bus makes a subscription only
/// within its subscriber's grant, and every service answers `events.replay` and `events.since` only
/// with the events of topics the caller's grant covers. A grant is a list of ZeroMQ prefixes.
public enum EventReaders {
    /// What each of the suite's own identities consumes, and nothing more. The gateway streams the
    /// durable events of orders, receipts and location and hands pushes to people; `cli` is the
    /// operator's (`posy tail` takes any prefix). The operator cannot widen these.
    public static let suite: [String: [String]] = [
        ServiceName.bus: [Topic.heartbeat],
        ServiceName.orders: [
            Topic.heartbeat, Topic.probe, LocationEvents.departed.topic, LocationEvents.arriving.topic,
            ReceiptsEvents.proofAccepted.topic, ReceiptsEvents.deliveryConfirmed.topic, PrivacyEvents.forgotten.topic,
        ],
        ServiceName.messaging: [
            Topic.heartbeat, Topic.probe, Topic.fleetShop, OrdersEvents.prefix, ReceiptsEvents.proofAccepted.topic,
            PrivacyEvents.erasure.topic,
        ],
        ServiceName.location: [
            Topic.heartbeat, Topic.probe, Topic.fleetShop, Topic.fleetCourier, OrdersEvents.prefix, PrivacyEvents.erasure.topic,
        ],
        ServiceName.receipts: [Topic.heartbeat, Topic.probe, PrivacyEvents.erasure.topic],
        ServiceName.notify: [
            Topic.heartbeat, Topic.probe, Topic.fleetShop, Topic.fleetCourier, OrdersEvents.prefix, OrdersEvents.exceptionPrefix,
            LocationEvents.prefix, ReceiptsEvents.proofPrefix, MessagingEvents.prefix, PrivacyEvents.erasure.topic,
        ],
        ServiceName.gateway: [
            "sys.", OrdersEvents.prefix, OrdersEvents.exceptionPrefix, Topic.fleetPrefix, ReceiptsEvents.proofPrefix,
            LocationEvents.prefix,
        ] + Topic.pushPrefixes,
        ServiceName.cli: [""],
    ]

    /// The grant of `identity`: the suite's table for its own identities; for any other, what the
    /// operator granted it (`granted`, from `posy keys create NAME --read PREFIX`) less any prefix
    /// that would take in pushes meant for people — those are the gateway's and the operator's only.
    public static func grant(of identity: String, granted: [String]) -> [String] {
        if let own = suite[identity] { return own }
        return granted.filter { !takesInPushes($0.utf8) }
    }

    /// Whether a subscription to `prefix` lies within `grant`: it starts with a granted prefix.
    public static func covers(_ grant: [String], prefix: some Collection<UInt8>) -> Bool {
        grant.contains { prefix.starts(with: $0.utf8) }
    }

    /// Whether `grant` covers the topic `topic`.
    public static func covers(_ grant: [String], topic: String) -> Bool { covers(grant, prefix: topic.utf8) }

    /// Whether a subscription to `prefix` would take in pushes to people (`""`, `"t"`, `"to."`, `"to.u1."`).
    public static func takesInPushes(_ prefix: some Collection<UInt8>) -> Bool {
        Topic.pushPrefixes.contains { push in
            let p = Array(push.utf8)
            return p.starts(with: prefix) || prefix.starts(with: p)
        }
    }
}
