import Crypto
import Foundation
import PosySchema

/// The application server's identity to push services (VAPID, RFC 8292): an ES256 JWT for the
/// endpoint's origin, signed with the suite's P-256 key, and that key's public half — the
/// `applicationServerKey` pages subscribe with.
public struct VAPIDSigner: Sendable {
    /// The private key's raw 32 bytes (swift-crypto's key types are not `Sendable`).
    let keyBytes: Data
    /// Who runs this server: an https URL or a `mailto:` address (the push service's contact).
    public let subject: String

    public init(key: P256.Signing.PrivateKey, subject: String) throws(WebPushError) {
        guard Self.isContact(subject) else { throw .badContact }
        keyBytes = key.rawRepresentation
        self.subject = subject
    }

    public var key: P256.Signing.PrivateKey {
        // Bytes this signer took from a key: they are one.
        try! P256.Signing.PrivateKey(rawRepresentation: keyBytes)
    }

    /// The public key, uncompressed and unpadded base64url (65 bytes).
    public var publicKey: String { Base64URL.encode(key.publicKey.x963Representation) }

    /// The `Authorization` header for a push to `endpoint`: `vapid t=<JWT>, k=<public key>`, the
    /// token valid for `lifetime` (RFC 8292 §2: at most 24 hours).
    public func authorization(for endpoint: URL, now: Date = Date(), lifetime: TimeInterval = 12 * 3600) throws -> String {
        guard let audience = Self.audience(of: endpoint) else { throw WebPushError.badEndpoint }
        struct Claims: Encodable {
            let aud: String
            let exp: Int64
            let sub: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = Base64URL.encode(Data(#"{"typ":"JWT","alg":"ES256"}"#.utf8))
        let claims = Claims(aud: audience, exp: Int64(now.timeIntervalSince1970 + min(lifetime, 24 * 3600)), sub: subject)
        let input = header + "." + Base64URL.encode(try encoder.encode(claims))
        // ES256 (RFC 7518 §3.4): the signature is r || s, 32 bytes each.
        let signature = try key.signature(for: Data(input.utf8)).rawRepresentation
        return "vapid t=\(input).\(Base64URL.encode(signature)), k=\(publicKey)"
    }

    /// The origin of an endpoint: `scheme://host[:port]` (the port only when it is not the scheme's own).
    public static func audience(of endpoint: URL) -> String? {
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "https" || scheme == "http", let host = endpoint.host, !host.isEmpty
        else { return nil }
        let port = endpoint.port.flatMap { ($0 == 443 && scheme == "https") || ($0 == 80 && scheme == "http") ? nil : $0 }
        return "\(scheme)://\(host.lowercased())" + (port.map { ":\($0)" } ?? "")
    }

    /// An https URL or a mailto address whose host is a public name (push services refuse a local contact).
    public static func isContact(_ subject: String) -> Bool {
        let host: String
        if subject.hasPrefix("mailto:") {
            let address = subject.dropFirst("mailto:".count)
            guard let at = address.lastIndex(of: "@"), at != address.startIndex else { return false }
            host = String(address[address.index(after: at)...])
        } else if let url = URL(string: subject), url.scheme == "https", let h = url.host {
            host = h
        } else {
            return false
        }
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !h.isEmpty, h.contains("."), !h.hasSuffix(".localhost"), !h.hasSuffix(".local"), h != "localhost" else { return false }
        // A literal address is no contact (loopback, private or public alike).
        if h.allSatisfy({ $0.isNumber || $0 == "." }) || h.contains(":") { return false }
        return true
    }
}
