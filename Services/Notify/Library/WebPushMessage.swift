import Crypto
import Foundation
import PosySchema
import PosyWebPush

/// What a push says, in the declarative shape a browser shows by itself and a service worker also
/// reads: `{"web_push":8030,"notification":{"title","body","navigate","lang","tag","actions"?,"data"?}}`.
/// Under the 3,993 bytes one encrypted record holds: a long body is cut.
struct WebPushMessage: Sendable {
    var title: String
    var body: String
    var navigate: String
    var locale: String
    /// Replaces an earlier notification of the same kind about the same order (also the push
    /// service's `Topic`: 32 URL-safe base64 characters).
    var tag: String
    /// The order it is about (the service worker's `data.orderId`: the task a tap opens).
    var orderId: String? = nil
    /// Buttons on the notification where the browser shows them (a courier's "Accept").
    var actions: [Action] = []

    struct Action: Sendable, Equatable {
        var action: String
        var title: String
        var navigate: String
    }

    /// The buttons a notification of `template` carries for its audience: a new assignment can be
    /// accepted from it (the courier app's service worker queues the tap in the app's outbox).
    static func actions(template: String, audience: NotifyRule.Audience, locale: String, navigate: String) -> [Action] {
        guard template == "order.assigned", audience == .courier else { return [] }
        return [Action(action: "accept", title: locale == "zh-CN" ? "接单" : "Accept", navigate: navigate)]
    }

    static func tag(event: String, orderId: String?) -> String {
        String(Base64URL.encode(Data(SHA256.hash(data: Data((event + "|" + (orderId ?? "")).utf8)))).prefix(32))
    }

    var payload: Data {
        var text = body
        while true {
            var notification: [String: Any] = [
                "title": title, "body": text, "navigate": navigate, "lang": locale, "tag": tag, "silent": false,
            ]
            if let orderId { notification["data"] = ["orderId": orderId] }
            if !actions.isEmpty {
                notification["actions"] = actions.map { ["action": $0.action, "title": $0.title, "navigate": $0.navigate] }
            }
            let object: [String: Any] = ["web_push": 8030, "notification": notification]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            if data.count <= WebPushEncryption.maxPlaintext || text.isEmpty { return data }
            text = text.count <= 1 ? "" : String(text.prefix(max(0, text.count - (data.count - WebPushEncryption.maxPlaintext) - 1))) + "…"
        }
    }
}
