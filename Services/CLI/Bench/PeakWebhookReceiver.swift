import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PosyAuth
import PosyCore
import Synchronization

/// The shops' webhook endpoint during `posy bench peak` (in the parent process): every call's
/// signature checked, its event remembered by id — a second call with the same id is doubled.
final class PeakWebhookReceiver: Sendable {
    struct Seen {
        /// `<orderId>|<event type>` of every event received.
        var events: Set<String> = []
        var ids: Set<String> = []
        var doubled = 0
        var badSignatures = 0
    }

    let secret = "whsec_peak_0123456789abcdef"
    let seen = Mutex(Seen())

    func app(port: Int) -> some ApplicationProtocol {
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let header = request.headers[HTTPField.Name(WebhookSignature.header)!] ?? ""
            let signed = WebhookSignature.verify(
                header: header, body: body, secret: self.secret, now: Int64(Date().timeIntervalSince1970), tolerance: 3600)
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            let id = object?["id"] as? String ?? ""
            let type = object?["type"] as? String ?? ""
            let order = (object?["data"] as? [String: Any])?["orderId"] as? String ?? ""
            self.seen.withLock {
                if !signed { $0.badSignatures += 1 }
                if !$0.ids.insert(id).inserted { $0.doubled += 1 }
                $0.events.insert(order + "|" + type)
            }
            return .ok
        }
        var logger = Logger(label: "bench.peak.webhooks")
        logger.logLevel = .critical  // its shutdown at the end is not news
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    }
}
