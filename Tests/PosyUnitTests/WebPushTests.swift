import Crypto
import Foundation
import PosySchema
import PosyWebPush
import Testing

/// Web Push message encryption (RFC 8291) against the RFC's worked example, byte for byte, and
/// VAPID (RFC 8292) tokens checked as a push service checks them.
@Suite struct WebPushTests {
    /// RFC 8291 Appendix A.
    enum Example {
        static let plaintext = "When I grow up, I want to be a watermelon"
        static let senderPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
        static let senderPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
        static let subscriberPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
        static let subscriberPublic = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
        static let salt = "DGv6ra1nlYgDCS1FRnbzlw"
        static let auth = "BTBZMqHH6r4Tts7J_aSIgg"
        static let message =
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    }

    static func bytes(_ text: String) throws -> Data { try #require(Base64URL.decode(text)) }

    @Test func encryptsRFC8291sExampleByteForByte() throws {
        let sender = try P256.KeyAgreement.PrivateKey(rawRepresentation: Self.bytes(Example.senderPrivate))
        #expect(Base64URL.encode(sender.publicKey.x963Representation) == Example.senderPublic)
        let keys = try WebPushSubscriberKeys(p256dh: Example.subscriberPublic, auth: Example.auth)
        let body = try WebPushEncryption.encrypt(
            Data(Example.plaintext.utf8), to: keys, senderKey: sender, salt: Self.bytes(Example.salt))
        #expect(Base64URL.encode(body) == Example.message)
        // The subscriber's private key is what decrypts it: the same ECDH from its side agrees.
        let subscriber = try P256.KeyAgreement.PrivateKey(rawRepresentation: Self.bytes(Example.subscriberPrivate))
        #expect(subscriber.publicKey.x963Representation == keys.publicKey.x963Representation)
    }

    @Test func everyMessageHasItsOwnKeyAndSaltAndHidesItsText() throws {
        let subscriber = P256.KeyAgreement.PrivateKey()
        let keys = try WebPushSubscriberKeys(publicKey: subscriber.publicKey, auth: Data(repeating: 7, count: 16))
        let text = Data(#"{"web_push":8030,"notification":{"title":"New delivery","body":"12 roses to Garden Rd"}}"#.utf8)
        let a = try WebPushEncryption.encrypt(text, to: keys)
        let b = try WebPushEncryption.encrypt(text, to: keys)
        #expect(a.count == WebPushEncryption.headerSize + text.count + 1 + 16)
        #expect(a.prefix(16) != b.prefix(16) && a.dropFirst(21).prefix(65) != b.dropFirst(21).prefix(65))
        #expect(a.range(of: Data("roses".utf8)) == nil && a.range(of: Data("delivery".utf8)) == nil)
        // Record size 4096 and a 65-byte key id in the header.
        #expect(Array(a[16..<21]) == [0, 0, 0x10, 0, 65])
        let largest = Data(repeating: 0x61, count: WebPushEncryption.maxPlaintext)
        #expect(try WebPushEncryption.encrypt(largest, to: keys).count == WebPushEncryption.recordSize)
        #expect(throws: WebPushError.payloadTooLarge(largest.count + 1, limit: WebPushEncryption.maxPlaintext)) {
            try WebPushEncryption.encrypt(largest + [0x61], to: keys)
        }
    }

    @Test func refusesKeysThatAreNotKeys() throws {
        let good = Example.subscriberPublic
        #expect(throws: WebPushError.badPublicKey) { try WebPushSubscriberKeys(p256dh: "not a key", auth: Example.auth) }
        // 65 bytes that are not a point on the curve; a compressed point; a key cut short.
        var offCurve = try Self.bytes(good)
        offCurve[64] ^= 1
        #expect(throws: WebPushError.badPublicKey) { try WebPushSubscriberKeys(p256dh: Base64URL.encode(offCurve), auth: Example.auth) }
        let compressed = P256.KeyAgreement.PrivateKey().publicKey.compressedRepresentation
        #expect(throws: WebPushError.badPublicKey) { try WebPushSubscriberKeys(p256dh: Base64URL.encode(compressed), auth: Example.auth) }
        #expect(throws: WebPushError.badPublicKey) { try WebPushSubscriberKeys(p256dh: String(good.dropLast(4)), auth: Example.auth) }
        #expect(throws: WebPushError.badAuthSecret) { try WebPushSubscriberKeys(p256dh: good, auth: "BTBZMqHH6r4Tts7J_aSI") }
        #expect(throws: WebPushError.badAuthSecret) { try WebPushSubscriberKeys(p256dh: good, auth: "BTBZMqHH6r4Tts7J_aSIgg+=") }
        // Padding, as some browsers write it, is fine.
        #expect(try WebPushSubscriberKeys(p256dh: good + "=", auth: Example.auth + "==").p256dh == good)
        #expect(WebPushError.badPublicKey.code == "push_key_invalid" && WebPushError.badAuthSecret.code == "push_auth_invalid")
    }

    @Test func vapidTokensAreWhatAPushServiceChecks() throws {
        let key = P256.Signing.PrivateKey()
        let signer = try VAPIDSigner(key: key, subject: "mailto:ops@posy.example")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = try signer.authorization(for: URL(string: "https://push.example.net:8443/wpush/v2/abc?x=1")!, now: now)
        let parts = header.split(separator: " ")
        #expect(parts.count == 3 && parts[0] == "vapid" && parts[1].hasPrefix("t=") && parts[1].hasSuffix(",") && parts[2].hasPrefix("k="))
        let token = parts[1].dropFirst(2).dropLast()
        let k = parts[2].dropFirst(2)
        #expect(k == Substring(signer.publicKey))
        #expect(try Self.bytes(String(k)).count == 65)
        let pieces = token.split(separator: ".").map(String.init)
        #expect(pieces.count == 3)
        let head = try JSONSerialization.jsonObject(with: Self.bytes(pieces[0])) as? [String: String]
        #expect(head == ["typ": "JWT", "alg": "ES256"])
        let claims = try #require(try JSONSerialization.jsonObject(with: Self.bytes(pieces[1])) as? [String: Any])
        #expect(claims["aud"] as? String == "https://push.example.net:8443")
        #expect(claims["sub"] as? String == "mailto:ops@posy.example")
        #expect(claims["exp"] as? Int == 1_800_000_000 + 12 * 3600)
        // The signature is r || s over "<header>.<claims>", verifiable with k alone.
        let publicKey = try P256.Signing.PublicKey(x963Representation: Self.bytes(String(k)))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: Self.bytes(pieces[2]))
        #expect(publicKey.isValidSignature(signature, for: Data("\(pieces[0]).\(pieces[1])".utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Data("\(pieces[0]).\(pieces[1])x".utf8)))
        // Never longer than a day; the default port is not part of the audience.
        let long = try signer.authorization(for: URL(string: "https://fcm.googleapis.com/fcm/send/x")!, now: now, lifetime: 7 * 86_400)
        let longClaims =
            try JSONSerialization.jsonObject(
                with: Self.bytes(String(long.split(separator: " ")[1].dropFirst(2).dropLast().split(separator: ".")[1]))) as? [String: Any]
        #expect(longClaims?["exp"] as? Int == 1_800_000_000 + 86_400 && longClaims?["aud"] as? String == "https://fcm.googleapis.com")
        #expect(throws: WebPushError.badEndpoint) { try signer.authorization(for: URL(string: "ftp://push.example.net/x")!) }
    }

    @Test func theContactIsAPublicHttpsURLOrMailbox() {
        for good in ["mailto:ops@posy.example", "https://posy.example/contact", "https://flowers.example.cn"] {
            #expect(VAPIDSigner.isContact(good), "\(good)")
        }
        for bad in [
            "mailto:root@localhost", "mailto:@posy.example", "https://localhost/x", "https://127.0.0.1/", "https://[::1]/",
            "http://posy.example/", "ops@posy.example", "https://shop.local/", "https://intranet/", "",
        ] {
            #expect(!VAPIDSigner.isContact(bad), "\(bad)")
        }
        #expect(throws: WebPushError.badContact) { try VAPIDSigner(key: .init(), subject: "mailto:root@localhost") }
    }
}
