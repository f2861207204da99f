import Foundation
import Logging

/// Email through the operator's SMTP relay (``SMTPClient``); the delivery id is the Message-ID.
struct EmailChannel: OutboundChannel {
    static let name = NotifyRule.Channel.email.rawValue
    let smtp: SMTPClient
    let logger: Logger
    var name: String { Self.name }

    func send(_ job: OutboundSender.Job, signedAt: Date) async throws(OutboundFailure) -> Int? {
        do {
            try await smtp.send(to: job.target, subject: job.subject ?? "", body: String(decoding: job.body, as: UTF8.self), id: job.id)
        } catch let refused as SMTPClient.Refused {
            throw .unsafeValue(refused.description)
        } catch {
            logger.info("email attempt failed", metadata: ["delivery": "\(job.id)", "error": "\(error)"])
            throw .unreachable
        }
        return nil
    }
}
