/// A page of a person's inbox, newest first.
public struct InboxPage: Codable, Sendable, Equatable {
    public var notifications: [InboxNotification]
    public var unread: Int
    /// Pass as `before` for the next (older) page; nil at the end.
    public var next: Int64?

    public init(notifications: [InboxNotification], unread: Int, next: Int64?) {
        self.notifications = notifications
        self.unread = unread
        self.next = next
    }
}
