/// The retention table (docs/operations.md, "Retention"): what each kind of personal data is kept
/// for, from when, what is left and who enforces it. Days come from the deployment's settings;
/// contact details and chat may also be set per shop within ``shopBounds``.
public enum RetentionTable {
    /// The days a shop may choose. Contact details are kept at least a day after the dispute window
    /// (a late complaint's call), chat a week; neither longer than a year.
    public static let shopBounds: [RetentionKind: ClosedRange<Double>] = [.contact: 1...365, .chat: 7...365]

    /// The table with the deployment's days.
    public static func rules(
        positionsDays: Double, contactDays: Double, chatDays: Double, mediaDays: Double, notificationsDays: Double,
        outboxHours: Double
    ) -> [RetentionRule] {
        [
            RetentionRule(
                kind: .positions, days: positionsDays, after: "the fix (the delivery)",
                then: "each delivery's summary: distance, start and end times", enforcedBy: "posy-location",
                setting: "POSY_LOCATION_RETENTION_DAYS"),
            RetentionRule(
                kind: .contact, days: contactDays, after: "the order ended (its dispute window closed)",
                then: "the order without phones, address or the door's position; names and card stay until erasure",
                enforcedBy: "posy-orders, then every store", setting: "POSY_CONTACT_RETENTION_DAYS",
                shopMinDays: shopBounds[.contact]?.lowerBound, shopMaxDays: shopBounds[.contact]?.upperBound),
            RetentionRule(
                kind: .chat, days: chatDays, after: "the order ended",
                then: "each message's sender, seq and time; text, places and attachments gone", enforcedBy: "posy-messaging",
                setting: "POSY_CHAT_RETENTION_DAYS", shopMinDays: shopBounds[.chat]?.lowerBound,
                shopMaxDays: shopBounds[.chat]?.upperBound),
            RetentionRule(
                kind: .media, days: mediaDays, after: "the order completed",
                then: "each item's hash and size in the evidence chain (0 keeps media for ever)", enforcedBy: "posy-receipts",
                setting: "POSY_MEDIA_RETENTION_DAYS"),
            RetentionRule(
                kind: .notifications, days: notificationsDays, after: "it was sent",
                then: "nothing: inbox rows and delivered or dead SMS, e-mail and webhook deliveries go", enforcedBy: "posy-notify",
                setting: "POSY_NOTIFY_RETENTION_DAYS"),
            RetentionRule(
                kind: .outbox, days: outboxHours / 24, after: "it was published",
                then: "nothing: it can no longer be replayed (nor kept where a store could not apply it)",
                enforcedBy: "every store", setting: "POSY_OUTBOX_RETENTION_HOURS"),
        ]
    }
}
