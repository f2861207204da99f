import Crypto
import Foundation

/// Message encryption for Web Push (RFC 8291) in the `aes128gcm` content coding (RFC 8188): one
/// record, the sender's ephemeral key in the header, keys derived from ECDH with the subscriber's
/// key and its authentication secret. The push service sees only the ciphertext.
public enum WebPushEncryption {
    /// The record size written in the header (RFC 8291 §4: one record of at most 4096 bytes).
    public static let recordSize = 4096
    /// Salt, record size, key id length, the sender's 65-byte key.
    public static let headerSize = 16 + 4 + 1 + 65
    /// What fits: a push service takes at least 4096 bytes of body (RFC 8030 §7.2), which holds
    /// the header, the plaintext, its delimiter and the 16-byte tag.
    public static let maxPlaintext = recordSize - headerSize - 1 - 16

    /// The body of a push message for `keys`. `senderKey` and `salt` are fresh for every message;
    /// tests pass RFC 8291's to check the result byte for byte.
    public static func encrypt(
        _ plaintext: Data, to keys: WebPushSubscriberKeys, senderKey: P256.KeyAgreement.PrivateKey = .init(), salt: Data? = nil
    ) throws -> Data {
        guard plaintext.count <= maxPlaintext else { throw WebPushError.payloadTooLarge(plaintext.count, limit: maxPlaintext) }
        let salt = salt ?? Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        precondition(salt.count == 16, "an aes128gcm salt is 16 bytes")
        let senderPublic = senderKey.publicKey.x963Representation
        let subscriberPublic = keys.publicKey.x963Representation

        // RFC 8291 §3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public, 32).
        let shared = try senderKey.sharedSecretFromKeyAgreement(with: keys.publicKey)
        let keyInfo = Data("WebPush: info".utf8) + [0] + subscriberPublic + senderPublic
        let ikm = shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: keys.auth, sharedInfo: keyInfo, outputByteCount: 32)
        // RFC 8188 §2.2–2.3: PRK from the salt, then the content key and the nonce.
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: ikm, salt: salt)
        let cek = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)

        // The only record is the last: its padding delimiter is 0x02, and no padding follows.
        let sealed = try AES.GCM.seal(
            plaintext + [2], using: cek, nonce: try AES.GCM.Nonce(data: nonce.withUnsafeBytes { Data($0) }))
        var header = salt
        withUnsafeBytes(of: UInt32(recordSize).bigEndian) { header.append(contentsOf: $0) }
        header.append(UInt8(senderPublic.count))
        header.append(senderPublic)
        return header + sealed.ciphertext + sealed.tag
    }
}
