import Foundation
import PosyAuth
import Testing

@Suite struct TokenTests {
    let signer = TokenSigner(secret: "test-secret")

    @Test func mintsAndVerifies() throws {
        let token = try signer.mint(sub: "u1", role: .staff, shop: "s1", ttl: 60)
        let claims = try signer.verify(token)
        #expect(claims.sub == "u1")
        #expect(claims.role == .staff)
        #expect(claims.shop == "s1")
        #expect(claims.order == nil)
    }

    @Test func refusesTamperingExpiryAndOtherSecrets() throws {
        let token = try signer.mint(sub: "u1", role: .customer, order: "o1", ttl: 60)
        let parts = token.split(separator: ".").map(String.init)
        let forged = try signer.mint(sub: "u1", role: .admin, ttl: 60).split(separator: ".").map(String.init)
        #expect(throws: TokenError.badSignature) { try signer.verify("\(parts[0]).\(forged[1]).\(parts[2])") }
        #expect(throws: TokenError.badSignature) { try TokenSigner(secret: "other").verify(token) }
        #expect(throws: TokenError.expired) { try signer.verify(token, now: Date().addingTimeInterval(120)) }
        #expect(throws: TokenError.malformed) { try signer.verify("abc") }
        let none = Data(#"{"alg":"none"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(throws: TokenError.unsupportedAlgorithm("none")) { try signer.verify("\(none).\(parts[1]).") }
    }
}
