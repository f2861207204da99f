/// `posy-orders`.
public struct OrdersSettings: SettingsCatalog {
    public static let takenBy = "posy-orders"
    public init() {}

    public let messagingShards = Setting<[String]>(
        "messaging-shards", "POSY_MESSAGING_SHARDS", default: ["1"],
        "Messaging shards new conversations go to, e.g. 1,2 (posy up --shards N sets it)")
    public let acceptTimeout = Setting<Double>(
        "accept-timeout", "POSY_ACCEPT_TIMEOUT", default: 180, "Seconds an assigned courier has to accept")
    public let ackTimeout = Setting<Double>(
        "ack-timeout", "POSY_EXCEPTION_ACK_TIMEOUT", default: 300, "Seconds before an unacknowledged exception escalates")
    public let contactRetentionDays = Setting<Double>(
        "contact-retention", "POSY_CONTACT_RETENTION_DAYS", default: 30,
        "Days after an order ended that its phones and address are kept (a shop may set 1–365)")
    public let locationConsent = Setting<String>(
        "location-consent", "POSY_LOCATION_CONSENT", default: "app",
        "Who collects couriers' consent to location collection: app (asked before their first duty) or external (the shop's own form)")
}
