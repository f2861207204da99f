import Foundation
import Logging

/// Carries one outbound delivery out of the suite through its channel (``WebhookChannel``,
/// ``SMSChannel``, ``EmailChannel``, ``WebPushChannel``): the ones the configuration enables.
struct OutboundSender: Sendable {
    let channels: [String: any OutboundChannel]

    struct Job: Sendable {
        var id: String
        var channel: String
        var target: String
        var event: String
        var body: Data
        var subject: String?
        /// Webhooks: where and with which secret; Web Push: the subscription's endpoint.
        var url: String?
        var secret: String?
        /// Web Push: the subscription's keys, and the message's topic (from its payload's `tag`).
        var pushKeys: (p256dh: String, auth: String)?
        var pushTopic: String?
    }

    init(config: NotifyConfig, logger: Logger) {
        let http = OutboundHTTP(timeout: config.httpTimeout, allowLocal: config.allowLocalTargets, logger: logger)
        var channels: [any OutboundChannel] = [WebhookChannel(http: http)]
        if let url = config.smsURL {
            channels.append(SMSChannel(url: url, bodyTemplate: config.smsBody, contentType: config.smsContentType, http: http))
        }
        if let smtp = config.smtp { channels.append(EmailChannel(smtp: smtp, logger: logger)) }
        if let signer = config.vapidSigner { channels.append(WebPushChannel(http: http, signer: signer)) }
        self.channels = Dictionary(uniqueKeysWithValues: channels.map { ($0.name, $0) })
    }

    func send(_ job: Job, signedAt: Date) async throws(OutboundFailure) -> Int? {
        guard let channel = channels[job.channel] else { throw .unconfigured("no \(job.channel) channel configured") }
        return try await channel.send(job, signedAt: signedAt)
    }
}
