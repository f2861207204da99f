/// Bus topics. Dotted, lower case, prefix-filterable (docs/protocol.md, "The bus").
public enum Topic {
    /// Every process, each second, ephemeral: ``Heartbeat``.
    public static let heartbeat = "sys.heartbeat"
    /// Durable probe from `posy ping`: ``Probe``. Every service applies it and answers with an ack.
    public static let probe = "sys.probe"
    /// Durable acknowledgement of a probe: ``ProbeAck``.
    public static let probeAck = "sys.probe.ack"

    /// Every fleet topic: shops, couriers, access that ended.
    public static let fleetPrefix = "fleet."
    /// Durable: a shop was created (``Shop``); posy-location keeps where it is.
    public static let fleetShop = "fleet.shop"
    /// Durable: a courier was created or went on or off duty (``Courier``).
    public static let fleetCourier = "fleet.courier"
    /// Durable: sessions or API keys that no longer grant access (``AccessEnded``); the gateway
    /// refuses them from then on and closes their streams.
    public static let fleetAccessEnded = "fleet.access.ended"

    /// Where a gateway instance sends its canaries, one under each push prefix, so that the path pushes
    /// take to it is checked end to end (docs/architecture.md, "The stream"). A canary is told from a
    /// person's push by its type and source, never by its topic.
    public static func canaries(of instance: String) -> [String] { [user("~" + instance), shop("~" + instance)] }

    /// The prefix of pushes to one person (``user(_:)``) and of pushes to a shop's staff (``shop(_:)``).
    public static let userPrefix = "to."
    public static let shopPrefix = "shop."
    /// Topics of pushes to people: chat, positions, notifications.
    public static let pushPrefixes = [userPrefix, shopPrefix]

    /// Whether `topic` carries pushes to people.
    public static func isPush(_ topic: String) -> Bool { pushPrefixes.contains { topic.hasPrefix($0) } }

    /// The topic of pushes directed at one user. Ends with a dot so that `u1` never matches `u12`.
    public static func user(_ userId: String) -> String { userPrefix + userId + "." }

    /// The topic of pushes to every staff member of a shop.
    public static func shop(_ shopId: String) -> String { shopPrefix + shopId + "." }

    /// Whether `topic` is a well-formed topic: 1…200 bytes of `a-z 0-9 . _ -` (user topics may hold any id chars but no spaces).
    public static func isValid(_ topic: String) -> Bool {
        guard !topic.isEmpty, topic.utf8.count <= 200 else { return false }
        return topic.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
