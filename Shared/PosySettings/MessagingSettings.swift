/// `posy-messaging`.
public struct MessagingSettings: SettingsCatalog {
    public static let takenBy = "posy-messaging"
    public init() {}

    public let shard = Setting<Int>("shard", "POSY_MESSAGING_SHARD", default: 1, "This instance's shard number, 1…99")
    public let readOnlyAfterHours = Setting<Double>(
        "read-only-after", "POSY_CHAT_READ_ONLY_AFTER_HOURS", default: 24,
        "Hours after its order ended that a conversation takes no more messages")
    public let unheardAfter = Setting<Double>(
        "unheard-after", "POSY_CHAT_UNHEARD_AFTER", default: 30,
        "Seconds a message to a courier or customer may go undelivered to their devices before chat.unheard (0 = never)")
    public let recallWindow = Setting<Double>(
        "recall-window", "POSY_RECALL_WINDOW", default: 120, "Seconds in which a sender may recall a message")
    public let chatRetentionDays = Setting<Double>(
        "chat-retention", "POSY_CHAT_RETENTION_DAYS", default: 90,
        "Days after its order ended that a conversation's text, places and attachments are kept (a shop may set 7–365)")
}
