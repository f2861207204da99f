import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PosyAuth
import PosySchema

/// Carries one outbound delivery out of the suite: a signed webhook POST, the SMS provider's HTTP
/// API, or SMTP. Returns the HTTP status (nil for SMTP) of a delivered call; throws why not.
///
/// Webhook URLs are the shop's input: their host is resolved and checked (``NetworkDestination``)
/// before every attempt and the connection is pinned to the checked address; redirects are never
/// followed. The SMS provider's URL is the operator's and is called as configured.
struct OutboundSender: Sendable {
    let config: NotifyConfig
    let logger: Logger

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

    /// `signedAt` is wall-clock time (receivers compare it with theirs), even on a test clock.
    func send(_ job: Job, signedAt: Date) async throws(OutboundFailure) -> Int? {
        switch job.channel {
        case "webhook":
            guard let url = job.url, let secret = job.secret else { throw .unconfigured("webhook deleted") }
            let signature = WebhookSignature.sign(body: job.body, secret: secret, at: Int64(signedAt.timeIntervalSince1970))
            return try await post(
                url, body: job.body, contentType: "application/json", checked: true,
                headers: [(WebhookSignature.header, signature), ("Posy-Delivery", job.id), ("Posy-Event", job.event)])
        case "sms":
            guard let url = config.smsURL else { throw .unconfigured("no SMS provider configured") }
            guard PhoneNumber.isValid(job.target) else { throw .unsafeValue("not a phone number") }
            let text = String(decoding: job.body, as: UTF8.self)
            let body = NotifyTemplate.fill(config.smsBody, ["to": Self.jsonEscaped(job.target), "text": Self.jsonEscaped(text)])
            return try await post(
                url, body: Data(body.utf8), contentType: config.smsContentType, checked: false,
                headers: [("Posy-Delivery", job.id)])
        case "email":
            guard let smtp = config.smtp else { throw .unconfigured("no SMTP relay configured") }
            do {
                try await smtp.send(to: job.target, subject: job.subject ?? "", body: String(decoding: job.body, as: UTF8.self), id: job.id)
            } catch let refused as SMTPClient.Refused {
                throw .unsafeValue(refused.description)
            } catch {
                logger.info("email attempt failed", metadata: ["delivery": "\(job.id)", "error": "\(error)"])
                throw .unreachable
            }
            return nil
        default:
            throw .unconfigured("unknown channel \(job.channel)")
        }
    }

    /// The inside of a JSON string literal.
    static func jsonEscaped(_ s: String) -> String { String(JSON.quoted(s).dropFirst().dropLast()) }

    /// One POST. `checked`: resolve and check the host first, and connect only to the checked address.
    /// Header values are Posy's own (ids, event types, signatures); each is checked to be one line.
    func post(
        _ url: String, body: Data, contentType: String, checked: Bool, headers: [(String, String)]
    ) async throws(OutboundFailure) -> Int {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .milliseconds(Int64(config.httpTimeout * 1000))))
        configuration.decompression = .disabled
        if checked {
            let host: String
            let destination: NetworkDestination
            do throws(NetworkDestination.Refusal) {
                host = try NetworkDestination.host(of: url)
                destination = try await NetworkDestination.resolve(host, allowLocal: config.allowLocalTargets)
            } catch .badURL(let why) {
                throw .badTarget(why)
            } catch .unresolved {
                throw .unreachable
            } catch {
                logger.warning("webhook destination refused", metadata: ["url": "\(url)", "why": "\(error)"])
                throw .notAllowed
            }
            if !destination.isLiteral { configuration.dnsOverride = [host: destination.address] }
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: body))
        for (name, value) in [("Content-Type", contentType), ("User-Agent", "Posy-Notify/1")] + headers {
            guard !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { throw .unsafeValue("header \(name) is not one line") }
            request.headers.add(name: name, value: value)
        }
        // One client per attempt: its connection goes to this attempt's checked address only.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let result: Result<Int, OutboundFailure>
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(config.httpTimeout * 1000)))
            var read = 0
            for try await chunk in response.body {  // the receiver's answer is not kept; a little is read so the call completes
                read += chunk.readableBytes
                if read > 64 * 1024 { break }
            }
            result = .success(Int(response.status.code))
        } catch {
            logger.info("outbound HTTP attempt failed", metadata: ["url": "\(url)", "error": "\(error)"])
            result = .failure(Self.classify(error))
        }
        try? await client.shutdown()
        return try result.get()
    }

    static func classify(_ error: any Error) -> OutboundFailure {
        if let e = error as? HTTPClientError {
            if [.connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout].contains(e) { return .timeout }
            if String(describing: e).localizedCaseInsensitiveContains("tls") { return .tls }
            return .unreachable
        }
        return String(reflecting: type(of: error)).contains("SSL") ? .tls : .unreachable
    }
}
