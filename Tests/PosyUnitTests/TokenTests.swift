import Foundation
import PosyAccess
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

    /// A token is one string: padding, other alphabets or different trailing bits make another,
    /// which is refused even though it decodes to the same bytes.
    @Test func onlyCanonicalBase64URLIsAccepted() throws {
        let token = try signer.mint(sub: "u1", role: .staff, shop: "s1", ttl: 60)
        _ = try signer.verify(token)
        let parts = token.split(separator: ".").map(String.init)
        var variants = [
            "\(token)==", "\(token)=", "\(parts[0])==.\(parts[1]).\(parts[2])", "\(parts[0]).\(parts[1]) .\(parts[2])",
            "\(parts[0]).\(parts[1]).\(parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/"))+",
        ]
        // The signature is 32 bytes = 43 characters; the last one carries 2 unused bits.
        let last = parts[2].last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let i = alphabet.firstIndex(of: last)!
        variants.append("\(parts[0]).\(parts[1]).\(parts[2].dropLast())\(alphabet[i ^ 1])")
        for v in variants {
            #expect(throws: TokenError.self, "\(v.suffix(8))") { try signer.verify(v) }
        }
    }

    @Test func expiryIsExclusiveAndIssueTimeAndLifetimeAreBounded() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try signer.mint(sub: "u1", role: .customer, ttl: 60, now: now)
        _ = try signer.verify(token, now: now.addingTimeInterval(59))
        #expect(throws: TokenError.expired) { try signer.verify(token, now: now.addingTimeInterval(60)) }
        // Issued in the future: within the 60 s skew it passes, beyond it is refused.
        let t = Int64(now.timeIntervalSince1970)
        _ = try signer.verify(try signer.sign(TokenClaims(sub: "u1", role: .customer, iat: t + 60, exp: t + 120)), now: now)
        #expect(throws: TokenError.self) {
            try signer.verify(try signer.sign(TokenClaims(sub: "u1", role: .customer, iat: t + 61, exp: t + 120)), now: now)
        }
        // A hundred-year token, and one that ends before it starts.
        let century = TokenClaims(sub: "u1", role: .admin, iat: t, exp: t + 100 * 365 * 86_400)
        #expect(throws: TokenError.self) { try signer.verify(try signer.sign(century), now: now) }
        #expect(throws: TokenError.self) {
            try signer.verify(try signer.sign(TokenClaims(sub: "u1", role: .admin, iat: t + 10, exp: t + 5)), now: now)
        }
        let ninety = TokenClaims(sub: "u1", role: .admin, iat: t, exp: t + TokenSigner.defaultMaxLifetime)
        _ = try signer.verify(try signer.sign(ninety), now: now)
        #expect(throws: TokenError.self) {
            try TokenSigner(secret: "test-secret", maxLifetime: 3600).verify(try signer.sign(ninety), now: now)
        }
        // Minting never makes what verifying refuses.
        let long = try signer.mint(sub: "u1", role: .customer, ttl: 10 * 365 * 86_400, now: now)
        #expect(try signer.verify(long, now: now).exp == t + TokenSigner.defaultMaxLifetime)
    }
}
