import Foundation
import PosyAuth

/// A shop's webhook: the event, signed (`Posy-Signature`), POSTed to the shop's URL, which must
/// reach the public internet.
struct WebhookChannel: OutboundChannel {
    static let name = "webhook"
    let http: OutboundHTTP
    var name: String { Self.name }

    /// `signedAt` is wall-clock time (receivers compare it with theirs), even on a test clock.
    func send(_ job: OutboundSender.Job, signedAt: Date) async throws(OutboundFailure) -> Int? {
        guard let url = job.url, let secret = job.secret else { throw .unconfigured("webhook deleted") }
        let signature = WebhookSignature.sign(body: job.body, secret: secret, at: Int64(signedAt.timeIntervalSince1970))
        return try await http.post(
            url, body: job.body, contentType: "application/json", checked: true,
            headers: [(WebhookSignature.header, signature), ("Posy-Delivery", job.id), ("Posy-Event", job.event)])
    }
}
