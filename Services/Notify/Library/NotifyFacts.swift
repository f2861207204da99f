import Foundation
import PosySchema

/// What a template may say about an event, for one audience: `{order}`, `{shop}`, `{window}`, …
/// (``names``). Built from the event and the order as posy-notify last saw it. Need-to-know is
/// applied here, not in templates: the recipient and the courier never get an anonymous sender's
/// name (`{sender}` reads "someone special"), nobody gets the card message, and the recipient
/// gets no tracking link or ETA of someone else's order.
public struct NotifyFacts: Sendable, Equatable {
    public var values: [String: String] = [:]

    public static let names: Set<String> = [
        "order", "shop", "window", "windowEnd", "eta", "lateMinutes", "trackingLink", "photoLink", "courier", "kind", "note",
        "reason", "sender", "distance", "lastSeen",
    ]

    public init(values: [String: String] = [:]) {
        self.values = values
    }

    /// Times as the shop's clock reads them (`HH:mm`).
    static func clock(_ text: String?, timeZone: String?) -> String? { Timestamp.clock(text, timeZone: timeZone) }

    /// Words for codes, per language.
    static let words: [String: [String: String]] = [
        "en": [
            "someone": "someone special", "traffic": "heavy traffic", "accessDenied": "no access (gate closed)",
            "recipientUnreachable": "the recipient cannot be reached", "wrongAddress": "a wrong address",
            "damaged": "damaged flowers", "weather": "bad weather", "vehicle": "a vehicle problem", "other": "a problem",
            "wilted": "wilted flowers", "wrong": "the wrong flowers", "missing": "flowers not received", "late": "a late delivery",
        ],
        "zh-CN": [
            "someone": "一位特别的人", "traffic": "交通拥堵", "accessDenied": "无法进入（门禁）", "recipientUnreachable": "联系不上收件人",
            "wrongAddress": "地址错误", "damaged": "花束损坏", "weather": "天气恶劣", "vehicle": "车辆故障", "other": "其他问题",
            "wilted": "花已枯萎", "wrong": "送错花", "missing": "未收到花", "late": "送达延误",
        ],
    ]

    static func word(_ code: String, _ locale: String) -> String { words[locale]?[code] ?? words["en"]?[code] ?? code }

    /// The facts of `event` for `audience` in `locale`.
    static func make(
        _ event: NotifyEvent, order: Order?, shop: ShopInfo?, audience: NotifyRule.Audience, locale: String,
        links: NotifyLinks
    ) -> NotifyFacts {
        var v: [String: String] = [:]
        let tz = shop?.timeZone
        v["order"] = event.orderId
        v["shop"] = shop?.name
        if let w = order?.window {
            v["window"] = [clock(w.start, timeZone: tz), clock(w.end, timeZone: tz)].compactMap { $0 }.joined(separator: "–")
            v["windowEnd"] = clock(w.end, timeZone: tz)
        }
        v["courier"] = order?.courier?.firstName ?? event.courierId
        let anonymous = order?.sender?.anonymous != false
        if audience == .recipient || audience == .courier {
            v["sender"] = anonymous ? word("someone", locale) : (order?.sender?.name ?? word("someone", locale))
        } else {
            v["sender"] = order?.sender?.name ?? word("someone", locale)
        }
        if let alert = event.alert {
            v["eta"] = clock(alert.predictedArrival, timeZone: tz)
            v["lateMinutes"] = alert.lateBySeconds.map { String(max(1, Int(($0 / 60).rounded()))) }
            v["windowEnd"] = clock(alert.windowEnd, timeZone: tz) ?? v["windowEnd"]
            v["distance"] = alert.distanceMeters.map { $0 >= 1000 ? String(format: "%.1f km", $0 / 1000) : "\(Int($0)) m" }
            v["lastSeen"] = clock(alert.lastPositionAt, timeZone: tz)
        }
        if audience == .customer, let orderId = event.orderId, let customerId = order?.customer?.id {
            v["trackingLink"] = links.tracking(
                orderId: orderId, customerId: customerId, windowEnd: order?.window.end, generation: order?.linkGeneration ?? 0)
        }
        if audience != .recipient, let photo = event.photoId { v["photoLink"] = links.media(photo) }
        if let kind = event.kind { v["kind"] = word(kind, locale) }
        if let note = event.note, audience == .staff || audience == .manager { v["note"] = note }
        if let reason = event.reason { v["reason"] = word(reason, locale) }
        return NotifyFacts(values: v)
    }
}
