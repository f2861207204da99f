/// RPC methods of `posy-notify` and their requests. Replies are the JSON of the named type.
public enum NotifyRPC {
    /// `InboxRequest` → `InboxPage`: the caller's in-app notifications, newest first.
    public static let inbox = RPC<InboxRequest, InboxPage>(ServiceName.notify, "notify.inbox", grant: .gateway)
    /// `ReadRequest` → `InboxNotification`: marks one of the caller's notifications read.
    public static let read = RPC<ReadRequest, InboxNotification>(ServiceName.notify, "notify.read", grant: .gateway)
    /// `PreferencesRequest` → `NotifyPreferences`: the caller's language, quiet hours, phone, email.
    public static let preferences = RPC<PreferencesRequest, NotifyPreferences>(ServiceName.notify, "notify.preferences", grant: .gateway)
    /// `ShopSettingsRequest` → `ShopNotifySettings`: who is the shop's manager (escalations).
    public static let shopSettings = RPC<ShopSettingsRequest, ShopNotifySettings>(
        ServiceName.notify, "notify.shop.settings", grant: .gateway)
    /// `WebhookCreateRequest` → `Webhook` (with its secret, this once).
    public static let webhookCreate = RPC<WebhookCreateRequest, Webhook>(ServiceName.notify, "notify.webhooks.create", grant: .gateway)
    /// `ShopRef` → `[Webhook]` (no secrets).
    public static let webhookList = RPC<ShopRef, [Webhook]>(ServiceName.notify, "notify.webhooks.list", grant: .gateway)
    /// `WebhookDeliveriesRequest` → `[OutboundDelivery]`, newest first.
    public static let webhookDeliveries = RPC<WebhookDeliveriesRequest, [OutboundDelivery]>(
        ServiceName.notify, "notify.webhooks.deliveries", grant: .gateway)
    /// `WebhookRef` → `Webhook`: removes the webhook; its pending deliveries end as dead.
    public static let webhookDelete = RPC<WebhookRef, Webhook>(ServiceName.notify, "notify.webhooks.delete", grant: .gateway)
    /// `WebhookReplayRequest` → `OutboundDelivery`: sends a delivery's body again, as a new delivery.
    public static let webhookReplay = RPC<WebhookReplayRequest, OutboundDelivery>(
        ServiceName.notify, "notify.webhooks.replay", grant: .gateway)

    /// `EmptyBody` → `PushKey`: the VAPID public key pages subscribe with.
    /// `{caller, orderId}` → ``MaskedNumber``: the order's assigned courier, while it is under way.
    public static let callNumber = RPC<OrderRef, MaskedNumber>(ServiceName.notify, "notify.calls.number", grant: .gateway)
    public static let pushKey = RPC<EmptyBody, PushKey>(ServiceName.notify, "notify.push.key", grant: .gateway)
    /// `PushSubscriptionInput` → `PushSubscription`: the caller's device subscribes (again: replaced).
    public static let pushSubscribe = RPC<PushSubscriptionInput, PushSubscription>(
        ServiceName.notify, "notify.push.subscribe", grant: .gateway)
    /// `EmptyBody` → `[PushSubscription]`: the caller's own devices.
    public static let pushSubscriptions = RPC<EmptyBody, [PushSubscription]>(ServiceName.notify, "notify.push.list", grant: .gateway)
    /// `PushSubscriptionRef` → `PushSubscription`: removes one of the caller's devices.
    public static let pushUnsubscribe = RPC<PushSubscriptionRef, PushSubscription>(
        ServiceName.notify, "notify.push.unsubscribe", grant: .gateway)

    public struct PushSubscriptionRef: Codable, Sendable {
        public var id: String
        public init(id: String) { self.id = id }
    }

    public struct InboxRequest: Codable, Sendable {
        /// Only notifications older than this id (paging back).
        public var before: Int64?
        public var limit: Int?
        public var unreadOnly: Bool?
        public init(before: Int64? = nil, limit: Int? = nil, unreadOnly: Bool? = nil) {
            self.before = before
            self.limit = limit
            self.unreadOnly = unreadOnly
        }
    }

    public struct ReadRequest: Codable, Sendable {
        public var id: Int64
        public init(id: Int64) {
            self.id = id
        }
    }

    /// Sets what is given; `set: nil` reads the current preferences.
    public struct PreferencesRequest: Codable, Sendable {
        public var set: NotifyPreferences?
        public init(set: NotifyPreferences? = nil) {
            self.set = set
        }
    }

    public struct ShopSettingsRequest: Codable, Sendable {
        public var shopId: String
        public var set: ShopNotifySettings?
        public init(shopId: String, set: ShopNotifySettings? = nil) {
            self.shopId = shopId
            self.set = set
        }
    }

    public struct WebhookCreateRequest: Codable, Sendable {
        public var shopId: String?
        public var url: String
        public var events: [String]
        /// Generated when not given.
        public var secret: String?
        public init(shopId: String? = nil, url: String, events: [String], secret: String? = nil) {
            self.shopId = shopId
            self.url = url
            self.events = events
            self.secret = secret
        }
    }

    public struct WebhookDeliveriesRequest: Codable, Sendable {
        public var webhookId: String
        public var state: OutboundDelivery.State?
        public init(webhookId: String, state: OutboundDelivery.State? = nil) {
            self.webhookId = webhookId
            self.state = state
        }
    }

    public struct WebhookReplayRequest: Codable, Sendable {
        public var webhookId: String
        public var deliveryId: String
        public init(webhookId: String, deliveryId: String) {
            self.webhookId = webhookId
            self.deliveryId = deliveryId
        }
    }

    public struct WebhookRef: Codable, Sendable {
        public var webhookId: String
        public init(webhookId: String) {
            self.webhookId = webhookId
        }
    }
}
