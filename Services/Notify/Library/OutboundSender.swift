import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PosySchema

/// Carries one outbound delivery out of the suite: a signed webhook POST, the SMS provider's HTTP
/// API, or SMTP. Returns the HTTP status (nil for SMTP) or throws what went wrong.
struct OutboundSender: Sendable {
    let config: NotifyConfig

    struct Job: Sendable {
        var id: String
        var channel: String
        var target: String
        var event: String
        var body: Data
        var subject: String?
        /// Webhooks: where and with which secret.
        var url: String?
        var secret: String?
    }

    struct HTTPFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// `signedAt` is wall-clock time (receivers compare it with theirs), even on a test clock.
    func send(_ job: Job, signedAt: Date) async throws -> Int? {
        switch job.channel {
        case "webhook":
            guard let url = job.url, let secret = job.secret else { throw HTTPFailure(description: "webhook is gone") }
            let signature = WebhookSignature.sign(body: job.body, secret: secret, at: Int64(signedAt.timeIntervalSince1970))
            return try await post(url, body: job.body, contentType: "application/json",
                                  headers: [WebhookSignature.header: signature, "Posy-Delivery": job.id, "Posy-Event": job.event])
        case "sms":
            guard let url = config.smsURL else { throw HTTPFailure(description: "no SMS provider configured") }
            let text = String(decoding: job.body, as: UTF8.self)
            let body = NotifyTemplate.fill(config.smsBody, ["to": Self.jsonEscaped(job.target), "text": Self.jsonEscaped(text)])
            return try await post(url, body: Data(body.utf8), contentType: config.smsContentType, headers: ["Posy-Delivery": job.id])
        case "email":
            guard let smtp = config.smtp else { throw HTTPFailure(description: "no SMTP relay configured") }
            try await smtp.send(to: job.target, subject: job.subject ?? "", body: String(decoding: job.body, as: UTF8.self), id: job.id)
            return nil
        default:
            throw HTTPFailure(description: "unknown channel \(job.channel)")
        }
    }

    /// One session for every delivery: no cache, no cookies, up to 16 connections per host kept open.
    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.urlCache = nil
        c.httpCookieStorage = nil
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.httpMaximumConnectionsPerHost = 16
        return URLSession(configuration: c)
    }()

    /// The inside of a JSON string literal.
    static func jsonEscaped(_ s: String) -> String { String(JSON.quoted(s).dropFirst().dropLast()) }

    func post(_ url: String, body: Data, contentType: String, headers: [String: String]) async throws -> Int {
        guard let u = URL(string: url), u.scheme == "http" || u.scheme == "https" else { throw HTTPFailure(description: "bad url \(url)") }
        var request = URLRequest(url: u)
        request.httpMethod = "POST"
        request.timeoutInterval = config.httpTimeout
        request.httpBody = body
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.setValue("Posy-Notify/1", forHTTPHeaderField: "User-Agent")
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (_, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw HTTPFailure(description: "no HTTP response") }
        return http.statusCode
    }
}
