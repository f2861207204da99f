import Crypto
import Foundation
import PosySettings

/// The TURN relay calls use (docs/operations.md, "Calls and TURN"): its URLs and the secret it
/// shares with the gateway in coturn's REST scheme (`use-auth-secret`): the gateway hands out a
/// username `<expiry>:<user>` and, as its password, base64(HMAC-SHA1(secret, username)); coturn
/// checks both without asking anyone. No URLs: calls go peer to peer where the peers reach each other.
public struct TURNConfig: Sendable {
    public var urls: [String]
    public var secret: String?
    /// How long handed-out credentials work: a look at the flowers takes minutes, and every call
    /// asks for its own, so they need not outlive one (coturn checks them again at each refresh).
    public var ttl: TimeInterval
    /// Calls only through the relay: neither party learns the other's addresses (a customer's home
    /// connection stays hidden from the courier), at the relay's cost.
    public var relayOnly: Bool

    public init(
        urls: [String] = [], secret: String? = nil, ttl: TimeInterval = TimeInterval(GatewaySettings().turnTTL.standard),
        relayOnly: Bool = false
    ) {
        self.urls = urls
        self.secret = secret
        self.ttl = ttl
        self.relayOnly = relayOnly
    }

    /// Whether `url` is a TURN or STUN URL (RFC 7065, 7064) and nothing else: no spaces, no
    /// control characters, no quotes that could break out of the JSON or the page.
    package static func isValid(_ url: String) -> Bool {
        guard ["turn:", "turns:", "stun:", "stuns:"].contains(where: { url.hasPrefix($0) }), url.count <= 256 else { return false }
        return url.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"\"'\\<>`".unicodeScalars.contains($0) }
    }

    /// Credentials for `user` valid until `now + ttl`, as the browser's `RTCIceServer` takes them.
    func credentials(for user: String, now: Date = Date()) -> (username: String, credential: String)? {
        guard let secret, !secret.isEmpty else { return nil }
        let username = "\(Int64(now.timeIntervalSince1970 + ttl)):\(user)"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return (username, Data(mac).base64EncodedString())
    }
}
