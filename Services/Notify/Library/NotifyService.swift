import Foundation
import Logging
import PosyCore
import PosySchema
import PosyStore

/// posy-notify over `notify.db`: applies the rules (``NotifyRuleSet``) to the durable
/// events of orders, location and receipts, inside the transaction that advances the event's
/// cursor, so each notification is rendered and logged exactly once per person and channel across
/// restarts (`sends`). In-app notifications go to the person's inbox and, after commit, to their
/// connected devices as an ephemeral `notification` push.
public final class NotifyService: Sendable {
    /// Publishes an ephemeral bus event: `(topic, type, data)`.
    public typealias Publish = @Sendable (String, String, Data) -> Void

    let store: Store
    let config: NotifyConfig
    let links: NotifyLinks
    let metrics: Metrics
    let logger: Logger
    let clock: @Sendable () -> Date
    let publish: Publish
    /// Wakes the delivery loop: outbound work was committed, or the (test) clock moved.
    let wake: ChangeSignal

    /// `wake`: pass a test clock's `advanced` signal, so moving the clock wakes the delivery loop.
    package init(
        store: Store, config: NotifyConfig = NotifyConfig(), links: NotifyLinks, metrics: Metrics, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, wake: ChangeSignal = ChangeSignal(),
        publish: @escaping Publish = { _, _, _ in }
    ) {
        self.wake = wake
        self.store = store
        self.config = config
        self.links = links
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.publish = publish
    }

    /// The families of events whose rules posy-notify runs (besides shops and couriers, which it keeps).
    public static let families = [
        OrdersEvents.prefix, OrdersEvents.exceptionPrefix, LocationEvents.prefix, ReceiptsEvents.proofPrefix, MessagingEvents.prefix,
    ]

    public func registerEventHandlers(on host: ServiceHost) {
        host.on(OrdersEvents.shop) { db, shop in try self.remember(db, shop) }
        host.on(OrdersEvents.courier) { db, courier in try self.remember(db, courier) }
        for family in Self.families {
            host.on(family) { db, envelope in try self.apply(db, envelope) }
        }
    }

    /// Where a shop is and what it is called, for its notifications.
    func remember(_ db: SQLiteConnection, _ shop: Shop) throws {
        try db.run(
            """
            INSERT INTO shops(id, name, time_zone) VALUES (?,?,?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone
            """, shop.id, shop.name, shop.timeZone)
    }

    /// A courier's shop and phone, to reach them.
    func remember(_ db: SQLiteConnection, _ c: Courier) throws {
        try db.run(
            """
            INSERT INTO couriers(id, shop_id, phone) VALUES (?,?,?)
            ON CONFLICT(id) DO UPDATE SET shop_id = excluded.shop_id, phone = excluded.phone
            """, c.id, c.shopId, c.phone.isEmpty ? nil : c.phone)
    }

    /// One durable event: remember what it says about shops and orders, then run its rules.
    public func apply(_ db: SQLiteConnection, _ envelope: Envelope) throws {
        if OrdersEvents.shop.matches(envelope) { return try remember(db, try envelope.decode(OrdersEvents.shop)) }
        if OrdersEvents.courier.matches(envelope) { return try remember(db, try envelope.decode(OrdersEvents.courier)) }
        guard let event = try NotifyEvent.read(envelope) else { return }
        if let order = event.order {
            try db.run(
                "INSERT INTO orders(id, body) VALUES (?,?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                order.id, try JSON.encode(order))
            try withdrawAnswered(db, order)
            if order.state.isTerminal { try closeMaskedCalls(db, order) }
        }
        // Webhooks hear the events of an order's life; a chat's are the people's own.
        if let shopId = event.shopId, OrderEventCatalog.all.contains(envelope.type) { try enqueueWebhooks(db, envelope, shopId: shopId) }
        let rules = config.rules.rules(for: envelope.type)
        guard !rules.isEmpty else { return }
        let order = try event.order ?? event.orderId.flatMap { try loadOrder(db, $0) }
        let shop = try event.shopId.flatMap { try loadShop(db, $0) }
        var pushes: [(topic: String, role: String?, body: Data)] = []
        for rule in rules {
            for audience in rule.audience {
                for person in try people(db, audience, event: event, order: order, shop: shop) {
                    if let push = try send(
                        db, envelope: envelope, rule: rule, audience: audience, person: person,
                        event: event, order: order, shop: shop)
                    {
                        pushes.append(push)
                    }
                }
            }
        }
        guard !pushes.isEmpty else { return }
        db.onCommit {
            for p in pushes {
                let push = UserPush(conversationId: nil, orderId: order?.id ?? event.orderId, role: p.role, unread: nil)
                self.publish(p.topic, PushType.notification, push.encode(body: p.body))
            }
        }
    }

    /// Who `audience` is for this event: an inbox id (`c1`, `k1`, `shop:s1` for the shop's staff)
    /// and the phone an SMS would go to.
    struct Person: Sendable, Equatable {
        var id: String
        var phone: String?
        /// The shop whose staff share this inbox.
        var staffOf: String?
    }

    func people(
        _ db: SQLiteConnection, _ audience: NotifyRule.Audience, event: NotifyEvent, order: Order?, shop: ShopInfo?
    ) throws -> [Person] {
        switch audience {
        case .customer:
            guard let id = event.customerId ?? (event.namesItsPeople ? nil : order?.customer?.id) else { return [] }
            return [Person(id: id, phone: order?.customer?.phone)]
        case .courier:
            guard let id = event.courierId ?? (event.namesItsPeople ? nil : order?.courierId) else { return [] }
            return [Person(id: id, phone: try db.queryOne("SELECT phone FROM couriers WHERE id = ?", id)?.string(0))]
        case .staff:
            guard let shopId = event.shopId else { return [] }
            return [Person(id: "shop:\(shopId)", staffOf: shopId)]
        case .manager:
            guard let manager = shop?.managerId else { return [] }
            return [Person(id: manager)]
        case .recipient:
            // No account: SMS only. A surprise is not spoiled before the courier is at the door.
            guard let order, let phone = order.recipient?.phone else { return [] }
            if order.surprise && event.type != OrdersEvents.state(.arriving).topic { return [] }
            return [Person(id: "recipient:\(order.id)", phone: phone)]
        }
    }

    /// Renders and logs one notification for `person` on each of the rule's channels it can use
    /// now; returns the in-app push to send after commit, if any.
    func send(
        _ db: SQLiteConnection, envelope: Envelope, rule: NotifyRule, audience: NotifyRule.Audience,
        person: Person, event: NotifyEvent, order: Order?, shop: ShopInfo?
    ) throws -> (topic: String, role: String?, body: Data)? {
        let prefs = try preferences(db, person.id)
        let locale = prefs?.locale ?? config.defaultLocale
        if rule.coalesce == true, let orderId = event.orderId,
            try !coalesced(db, person: person.id, orderId: orderId, rule: rule, event: event)
        {
            metrics.increment("notifications_coalesced")
            return nil
        }
        if rule.condition == .withoutPush {
            guard shop?.smsWithoutPush == true else { return nil }
            guard try pushDevices(db, audience: audience, person: person, orderId: event.orderId ?? order?.id).isEmpty else {
                metrics.increment("notifications_push_instead")
                return nil
            }
        }
        guard let template = config.rules.template(rule.template, locale: locale) else { return nil }
        let facts = NotifyFacts.make(event, order: order, shop: shop, audience: audience, locale: locale, links: links)
        let title = NotifyTemplate.fill(template.title, facts.values)
        let body = NotifyTemplate.fill(template.body, facts.values)
        let link = facts.values["trackingLink"] ?? facts.values["photoLink"]
        var push: (topic: String, role: String?, body: Data)?
        for channel in rule.channels {
            var address: String?
            var devices: [String] = []
            switch channel {
            case .inApp:
                if audience == .recipient { continue }  // no account, no inbox
            case .webPush:
                guard config.vapidSigner != nil else {
                    metrics.increment("notifications_no_adapter_\(channel.rawValue)")
                    continue
                }
                devices = try pushDevices(db, audience: audience, person: person, orderId: event.orderId ?? order?.id)
                if devices.isEmpty {
                    metrics.increment("notifications_no_address_\(channel.rawValue)")
                    continue
                }
            case .sms, .email:
                guard channel == .sms ? config.smsURL != nil : config.smtp != nil else {
                    metrics.increment("notifications_no_adapter_\(channel.rawValue)")  // not configured: not logged as sent
                    continue
                }
                address = channel == .sms ? (prefs?.phone ?? person.phone) : prefs?.email
                if address == nil {
                    metrics.increment("notifications_no_address_\(channel.rawValue)")
                    continue
                }
            }
            // Named by the rule's template, not its place in the file: an edited rule file does not resend.
            let key = "\(envelope.src):\(envelope.epoch):\(envelope.type):\(envelope.seq)|\(rule.template)|\(person.id)|\(channel.rawValue)"
            guard
                try db.run(
                    "INSERT INTO sends(key, at) VALUES (?,?) ON CONFLICT(key) DO NOTHING", key,
                    clock().timeIntervalSince1970) == 1
            else {
                metrics.increment("notifications_repeated")
                continue
            }
            // Quiet hours hold back what can wait: SMS, email and Web Push go out when they end.
            let quiet = rule.priority == .high ? nil : prefs.flatMap { Self.quietEnd($0, at: clock()) }
            if channel == .webPush {
                let orderId = event.orderId ?? order?.id
                let navigate = pushLink(audience, facts: facts, orderId: orderId)
                let message = WebPushMessage(
                    title: title, body: body, navigate: navigate, locale: locale,
                    tag: WebPushMessage.tag(event: envelope.type, orderId: orderId), orderId: orderId,
                    actions: WebPushMessage.actions(template: rule.template, audience: audience, locale: locale, navigate: navigate))
                for device in devices {
                    try enqueue(
                        db, id: Self.deliveryId("wp_", key, device), channel: channel.rawValue, target: device, event: envelope.type,
                        body: message.payload, subject: message.tag, notBefore: quiet)
                }
                continue
            }
            if let address {
                let isSMS = channel == .sms
                var notBefore = quiet
                var hold: OutboundHold?
                if rule.condition == .unanswered, let orderId = event.orderId ?? order?.id {
                    let after = TimeInterval(shop?.assignmentSmsAfter ?? ShopNotifySettings.defaultAssignmentSmsAfter)
                    notBefore = clock().addingTimeInterval(after)
                    hold = OutboundHold(orderId: orderId, courierId: person.id)
                }
                try enqueue(
                    db, id: Self.deliveryId(isSMS ? "sm_" : "em_", key), channel: channel.rawValue, target: address,
                    event: envelope.type, body: Data((isSMS ? "\(title): \(body)" : body).utf8), subject: isSMS ? nil : title,
                    notBefore: notBefore, hold: hold)
                continue
            }
            let at = Timestamp.format(clock())
            try db.run(
                """
                INSERT INTO inbox(person, event, template, order_id, locale, title, body, priority, link, at)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                """, person.id, envelope.type, rule.template, event.orderId, locale, title, body, rule.priority.rawValue, link, at)
            let note = InboxNotification(
                id: db.lastInsertRowID, event: envelope.type, template: rule.template, orderId: event.orderId,
                locale: locale, title: title, body: body, priority: rule.priority, link: link, at: at,
                readAt: nil)
            metrics.increment("notifications_in_app")
            if quiet != nil {
                metrics.increment("notifications_quiet")
                continue  // in the inbox; no buzz in quiet hours
            }
            if let shopId = person.staffOf {
                push = (UserPush.shopTopic(shopId), "staff", try JSON.encode(note))
            } else {
                push = (Topic.user(person.id), nil, try JSON.encode(note))
            }
        }
        return push
    }

    /// Whether a coalesced rule may speak to `person` about `orderId` now; records it if so.
    func coalesced(_ db: SQLiteConnection, person: String, orderId: String, rule: NotifyRule, event: NotifyEvent) throws -> Bool {
        let at = event.alert.flatMap { Timestamp.parse($0.at) }?.timeIntervalSince1970 ?? clock().timeIntervalSince1970
        let eta = event.alert?.predictedArrival.flatMap(Timestamp.parse)?.timeIntervalSince1970
        if let last = try db.queryOne(
            "SELECT at, eta FROM coalesce WHERE person = ? AND order_id = ? AND template = ?",
            person, orderId, rule.template)
        {
            let recent = at - (last.double(0) ?? 0) < config.coalesceInterval
            let moved = eta.flatMap { e in last.double(1).map { abs(e - $0) >= config.coalesceShift } } ?? false
            if recent && !moved { return false }
        }
        try db.run(
            """
            INSERT INTO coalesce(person, order_id, template, at, eta) VALUES (?,?,?,?,?)
            ON CONFLICT(person, order_id, template) DO UPDATE SET at = excluded.at, eta = excluded.eta
            """, person, orderId, rule.template, at, eta)
        return true
    }

    /// Whether `at` falls in the person's quiet hours (local `HH:mm` start–end, may span midnight).
    static func isQuiet(_ p: NotifyPreferences, at: Date) -> Bool {
        guard let start = minutes(p.quietStart), let end = minutes(p.quietEnd), start != end else { return false }
        let c = Timestamp.calendar(timeZone: p.timeZone).dateComponents([.hour, .minute], from: at)
        let now = (c.hour ?? 0) * 60 + (c.minute ?? 0)
        return start < end ? (now >= start && now < end) : (now >= start || now < end)
    }

    /// When the quiet hours `at` falls in end; nil when it is not in them.
    static func quietEnd(_ p: NotifyPreferences, at: Date) -> Date? {
        guard isQuiet(p, at: at), let end = minutes(p.quietEnd) else { return nil }
        let calendar = Timestamp.calendar(timeZone: p.timeZone)
        guard let today = calendar.date(bySettingHour: end / 60, minute: end % 60, second: 0, of: at) else { return nil }
        return today > at ? today : calendar.date(byAdding: .day, value: 1, to: today)
    }

    static func minutes(_ hhmm: String?) -> Int? {
        guard let parts = hhmm?.split(separator: ":"), parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }

    func loadOrder(_ db: SQLiteConnection, _ id: String) throws -> Order? {
        try db.queryOne("SELECT body FROM orders WHERE id = ?", id)?.data(0).map { try JSON.decode(Order.self, from: $0) }
    }

    func loadShop(_ db: SQLiteConnection, _ id: String) throws -> ShopInfo? {
        try db.queryOne(
            "SELECT name, time_zone, manager_id, assignment_sms_after, sms_without_push, masked_call_hours FROM shops WHERE id = ?", id
        ).map {
            ShopInfo(
                id: id, name: $0.string(0) ?? id, timeZone: $0.string(1) ?? "UTC", managerId: $0.string(2),
                assignmentSmsAfter: $0.int(3).map { Int($0) } ?? ShopNotifySettings.defaultAssignmentSmsAfter,
                smsWithoutPush: ($0.int(4) ?? 0) != 0,
                maskedCallHours: $0.int(5).map { Int($0) } ?? ShopNotifySettings.defaultMaskedCallHours)
        }
    }

    func preferences(_ db: SQLiteConnection, _ person: String) throws -> NotifyPreferences? {
        try db.queryOne("SELECT locale, quiet_start, quiet_end, time_zone, phone, email FROM people WHERE id = ?", person).map {
            NotifyPreferences(
                locale: $0.string(0), quietStart: $0.string(1), quietEnd: $0.string(2), timeZone: $0.string(3),
                phone: $0.string(4), email: $0.string(5))
        }
    }
}
