/// One in-app notification: stored in the person's inbox in `notify.db` and pushed to
/// their connected devices as `notification` (`to.<user>.`; staff: `shop.<shop>.`).
public struct InboxNotification: Codable, Sendable, Equatable {
    public var id: Int64
    /// The rule's event, e.g. `order.outForDelivery`.
    public var event: String
    /// The template it was rendered from.
    public var template: String
    public var orderId: String?
    public var locale: String
    public var title: String
    public var body: String
    /// `high` reaches the person in quiet hours too.
    public var priority: NotifyPriority
    /// A link the client may open (tracking page, proof photo).
    public var link: String?
    public var at: String
    public var readAt: String?

    public init(
        id: Int64, event: String, template: String, orderId: String?, locale: String, title: String, body: String,
        priority: NotifyPriority, link: String?, at: String, readAt: String?
    ) {
        self.id = id
        self.event = event
        self.template = template
        self.orderId = orderId
        self.locale = locale
        self.title = title
        self.body = body
        self.priority = priority
        self.link = link
        self.at = at
        self.readAt = readAt
    }
}

/// How urgent a notification is.
public enum NotifyPriority: String, Codable, Sendable, CaseIterable {
    case normal, high
}
