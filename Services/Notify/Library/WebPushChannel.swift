import Crypto
import Foundation
import PosySchema
import PosyWebPush

/// Web Push to one subscribed device (RFC 8030): the notification encrypted to the browser's keys
/// (RFC 8291), the suite's VAPID token for the push service (RFC 8292), and the push service's
/// headers — how long to keep it (`TTL`), how urgent (`Urgency`), and a `Topic` so a newer message
/// of the same kind about the same order replaces one not yet delivered.
struct WebPushChannel: OutboundChannel {
    static let name = NotifyRule.Channel.webPush.rawValue
    let http: OutboundHTTP
    let signer: VAPIDSigner
    var name: String { Self.name }

    func send(_ job: OutboundSender.Job, signedAt: Date) async throws(OutboundFailure) -> Int? {
        guard let endpoint = job.url, let url = URL(string: endpoint), let keys = job.pushKeys else {
            throw .unconfigured("push subscription removed")
        }
        let subscriber: WebPushSubscriberKeys
        do throws(WebPushError) {
            subscriber = try WebPushSubscriberKeys(p256dh: keys.p256dh, auth: keys.auth)
        } catch {
            throw .unsafeValue(error.description)
        }
        let body: Data
        let authorization: String
        do {
            body = try WebPushEncryption.encrypt(job.body, to: subscriber)
            authorization = try signer.authorization(for: url, now: signedAt)
        } catch {
            throw .badTarget("\(error)")
        }
        let (ttl, urgency) = Self.delivery(of: job.event)
        let status = try await http.post(
            endpoint, body: body, contentType: "application/octet-stream", checked: true,
            headers: [
                ("Content-Encoding", "aes128gcm"), ("TTL", "\(ttl)"), ("Urgency", urgency), ("Topic", Self.topic(job)),
                ("Authorization", authorization),
            ])
        if [404, 410, 413].contains(status) { throw .gone(status) }
        return status
    }

    /// Seconds a push service keeps the message for an offline device, and its urgency: a new
    /// assignment matters until the acceptance deadline (posy-orders' default, 180 s) and wakes the
    /// phone at once; what happens to an order matters for an hour.
    static func delivery(of event: String) -> (ttl: Int, urgency: String) {
        switch event {
        case OrderState.assigned.eventType: (180, "high")
        case OrderState.arriving.eventType, "exception.opened", "delivery.delayRisk": (3_600, "high")
        default: (3_600, "normal")
        }
    }

    /// The push service's `Topic` (at most 32 URL-safe base64 characters): the event's kind and its
    /// order, hashed — the payload's `tag`, so the page and the push service replace alike.
    static func topic(_ job: OutboundSender.Job) -> String {
        job.pushTopic ?? String(Base64URL.encode(Data(SHA256.hash(data: Data(job.event.utf8)))).prefix(32))
    }
}
