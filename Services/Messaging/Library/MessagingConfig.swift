import Foundation
import PosySettings

/// Settings of a messaging shard (flags of `posy-messaging`, declared with their defaults in ``MessagingSettings``).
public struct MessagingConfig: Sendable {
    /// How long after its order ended a conversation still takes messages.
    public var readOnlyAfter: TimeInterval = MessagingSettings().readOnlyAfterHours.standard * 3600
    /// How long after sending its author may recall a message.
    public var recallWindow: TimeInterval = MessagingSettings().recallWindow.standard
    /// How long a message to a courier or customer may go undelivered before `chat.unheard` (0: never).
    public var unheardAfter: TimeInterval = MessagingSettings().unheardAfter.standard
    /// How long after its order ended a conversation keeps its text, places and attachments, unless
    /// its shop says otherwise (docs/operations.md, "Retention").
    public var chatRetention: TimeInterval = MessagingSettings().chatRetentionDays.standard * 86_400

    public init() {}
}
