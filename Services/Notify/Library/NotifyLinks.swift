import Foundation
import PosyAuth
import PosySchema

/// Links notifications carry: the customer's tracking page (a token limited to the order, signed
/// with the suite's secret like the gateway's `trackingUrl`) and media through the gateway.
public struct NotifyLinks: Sendable {
    public let publicURL: String
    let signer: TokenSigner?

    public init(publicURL: String, secret: String?) {
        self.publicURL = publicURL
        self.signer = secret.map { TokenSigner(secret: $0) }
    }

    /// Whether tracking links can be made (the suite's secret was found).
    public var signsTracking: Bool { signer != nil }

    /// `generation`: the order's live link (``TrackingLink``), so that renewing the link ends this one too.
    func tracking(orderId: String, customerId: String, windowEnd: String?, generation: Int) -> String? {
        let end = windowEnd.flatMap(Timestamp.parse) ?? Date()
        let ttl = max(3600, end.timeIntervalSinceNow + 7 * 86400)
        guard
            let token = try? signer?.mint(
                sub: customerId, role: .customer, order: orderId, ttl: ttl, sid: TrackingLink.sid(order: orderId, generation: generation))
        else { return nil }
        return "\(publicURL)/t/\(token)"
    }

    func media(_ id: String) -> String { "\(publicURL)/v1/media/\(id)" }
}
