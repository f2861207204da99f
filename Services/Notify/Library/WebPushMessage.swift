import Crypto
import Foundation
import PosySchema
import PosyWebPush

/// What a push says, in the declarative shape a browser shows by itself and a service worker also
/// reads: `{"web_push":8030,"notification":{"title","body","navigate","lang","tag"}}`. Under the
/// 3,993 bytes one encrypted record holds: a long body is cut.
struct WebPushMessage: Sendable {
    var title: String
    var body: String
    var navigate: String
    var locale: String
    /// Replaces an earlier notification of the same kind about the same order (also the push
    /// service's `Topic`: 32 URL-safe base64 characters).
    var tag: String

    static func tag(event: String, orderId: String?) -> String {
        String(Base64URL.encode(Data(SHA256.hash(data: Data((event + "|" + (orderId ?? "")).utf8)))).prefix(32))
    }

    var payload: Data {
        var text = body
        while true {
            let object: [String: Any] = [
                "web_push": 8030,
                "notification": ["title": title, "body": text, "navigate": navigate, "lang": locale, "tag": tag, "silent": false],
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            if data.count <= WebPushEncryption.maxPlaintext || text.isEmpty { return data }
            text = text.count <= 1 ? "" : String(text.prefix(max(0, text.count - (data.count - WebPushEncryption.maxPlaintext) - 1))) + "…"
        }
    }
}
