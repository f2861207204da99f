import PosySchema

/// One rule (data, not code: the defaults in ``NotifyRuleSet/defaults`` or an operator's
/// `--rules` file): a durable event → who hears it → which template → on which channels.
public struct NotifyRule: Codable, Sendable, Equatable {
    /// The event type, e.g. `order.outForDelivery`.
    public var event: String
    public var audience: [Audience]
    /// The template id (``NotifyTemplate``).
    public var template: String
    public var channels: [Channel]
    public var priority: NotifyPriority
    /// For rules about an order's ETA: coalesced per person (at most one in the coalescing
    /// interval unless the ETA moved by the threshold).
    public var coalesce: Bool?
    /// The channels are used only under this condition.
    public var condition: Condition?

    public init(
        event: String, audience: [Audience], template: String, channels: [Channel], priority: NotifyPriority = .normal,
        coalesce: Bool? = nil, condition: Condition? = nil
    ) {
        self.condition = condition
        self.event = event
        self.audience = audience
        self.template = template
        self.channels = channels
        self.priority = priority
        self.coalesce = coalesce
    }

    /// Who a rule speaks to.
    public enum Audience: String, Codable, Sendable, CaseIterable {
        /// The person who ordered.
        case customer
        /// The person the flowers are for (by SMS only: they have no account). Never before arrival
        /// on a surprise order.
        case recipient
        /// The shop's staff (their shared in-app inbox).
        case staff
        /// The order's courier.
        case courier
        /// The shop's manager (``ShopNotifySettings``).
        case manager
    }

    /// When a rule speaks only if something else did not reach the person (docs/architecture.md, "Notify").
    public enum Condition: String, Codable, Sendable, CaseIterable {
        /// Held for the shop's `assignmentSmsAfter` and withdrawn if the courier answers the
        /// assignment (accepts or hands it back) or it goes to someone else first.
        case unanswered
        /// Only for a person with no Web Push device, and only where the shop turned `smsWithoutPush` on.
        case withoutPush
    }

    /// How a notification travels.
    public enum Channel: String, Codable, Sendable, CaseIterable {
        /// The inbox in `notify.db` and a push to connected devices.
        case inApp
        case sms
        case email
        /// Web Push to the person's subscribed devices (RFC 8030/8291/8292), heard with the page closed.
        case webPush
    }
}
