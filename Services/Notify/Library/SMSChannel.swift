import Foundation
import PosySchema

/// SMS through the operator's provider: an HTTP POST to `--sms-url` whose body is `--sms-body` with
/// `{to}` and `{text}` filled in, JSON-escaped; the number must be a ``PhoneNumber``.
struct SMSChannel: OutboundChannel {
    static let name = NotifyRule.Channel.sms.rawValue
    let url: String
    let bodyTemplate: String
    let contentType: String
    let http: OutboundHTTP
    var name: String { Self.name }

    func send(_ job: OutboundSender.Job, signedAt: Date) async throws(OutboundFailure) -> Int? {
        guard PhoneNumber.isValid(job.target) else { throw .unsafeValue("not a phone number") }
        let text = String(decoding: job.body, as: UTF8.self)
        let body = NotifyTemplate.fill(bodyTemplate, ["to": Self.jsonEscaped(job.target), "text": Self.jsonEscaped(text)])
        return try await http.post(
            url, body: Data(body.utf8), contentType: contentType, checked: false, headers: [("Posy-Delivery", job.id)])
    }

    /// The inside of a JSON string literal.
    static func jsonEscaped(_ s: String) -> String { String(JSON.quoted(s).dropFirst().dropLast()) }
}
