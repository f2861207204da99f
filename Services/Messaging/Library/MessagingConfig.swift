import Foundation

/// Settings of a messaging shard (flags of `posy-messaging`).
public struct MessagingConfig: Sendable {
    /// How long after its order ended a conversation still takes messages.
    public var readOnlyAfter: TimeInterval = 24 * 3600
    /// How long after sending its author may recall a message.
    public var recallWindow: TimeInterval = 120

    public init() {}
}
