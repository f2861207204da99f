import Crypto
import Foundation
import PosySchema

/// A browser's subscription keys (`PushSubscription.toJSON().keys`): its P-256 public key and the
/// 16-byte authentication secret it shares only with this server (RFC 8291 §2–3).
public struct WebPushSubscriberKeys: Sendable {
    /// The public key, uncompressed (65 bytes; swift-crypto's key types are not `Sendable`).
    public let publicKeyBytes: Data
    public let auth: Data

    public var publicKey: P256.KeyAgreement.PublicKey {
        // Bytes checked to be a point when this was made.
        try! P256.KeyAgreement.PublicKey(x963Representation: publicKeyBytes)
    }

    public init(publicKey: P256.KeyAgreement.PublicKey, auth: Data) throws(WebPushError) {
        guard auth.count == 16 else { throw .badAuthSecret }
        publicKeyBytes = publicKey.x963Representation
        self.auth = auth
    }

    /// From the subscription's base64url text (browsers write it unpadded; trailing `=` is tolerated).
    public init(p256dh: String, auth: String) throws(WebPushError) {
        guard let point = Self.bytes(p256dh), point.count == 65, point.first == 0x04,
            let key = try? P256.KeyAgreement.PublicKey(x963Representation: point)
        else { throw .badPublicKey }
        guard let secret = Self.bytes(auth) else { throw .badAuthSecret }
        try self.init(publicKey: key, auth: secret)
    }

    /// The key as the subscription wrote it (65 bytes, unpadded base64url).
    public var p256dh: String { Base64URL.encode(publicKeyBytes) }

    static func bytes(_ text: String) -> Data? {
        var t = Substring(text)
        while t.hasSuffix("=") { t = t.dropLast() }
        return Base64URL.decode(t)
    }
}
