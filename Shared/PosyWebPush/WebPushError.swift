/// Why a Web Push subscription, contact or message was refused; `code` is stable (docs/protocol.md).
public enum WebPushError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `keys.p256dh` is not an uncompressed P-256 point in base64url.
    case badPublicKey
    /// `keys.auth` is not 16 bytes in base64url.
    case badAuthSecret
    /// The plaintext does not fit one 4096-byte record (bytes given, bytes allowed).
    case payloadTooLarge(Int, limit: Int)
    /// The endpoint is not an absolute https URL with a host (or http where local targets are allowed).
    case badEndpoint
    /// The VAPID contact is not an https URL or a mailto address, or names a local host.
    case badContact

    public var code: String {
        switch self {
        case .badPublicKey: "push_key_invalid"
        case .badAuthSecret: "push_auth_invalid"
        case .payloadTooLarge: "push_payload_too_large"
        case .badEndpoint: "push_endpoint_invalid"
        case .badContact: "push_contact_invalid"
        }
    }

    public var description: String {
        switch self {
        case .badPublicKey: "keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)"
        case .badAuthSecret: "keys.auth must be 16 bytes (base64url)"
        case .payloadTooLarge(let size, let limit): "a push message holds at most \(limit) bytes, not \(size)"
        case .badEndpoint: "the push endpoint must be an absolute https URL"
        case .badContact: "the push contact must be an https URL or a mailto: address of a public host"
        }
    }
}
