import Crypto
import Foundation
import PosyAccess
import PosySchema

/// Mints and verifies HS256 JWTs with the suite's secret (docs/protocol.md, "Tokens").
///
/// Verification is strict: every part must be canonical unpadded base64url (a signature with `==`
/// or changed trailing bits is another string, not the same token), `iat` may be at most
/// `clockSkew` seconds ahead, and `exp − iat` at most `maxLifetime`.
public struct TokenSigner: Sendable {
    let secret: Data
    /// The longest lifetime a token may claim (seconds).
    public let maxLifetime: Int64
    /// How far ahead of this clock an `iat` may be (seconds).
    public let clockSkew: Int64

    /// 90 days: tracking links live until 7 days after the delivery window, and orders are placed
    /// weeks ahead for Valentine's or Mother's Day.
    public static let defaultMaxLifetime: Int64 = 90 * 86_400

    public init(secret: String, maxLifetime: Int64 = TokenSigner.defaultMaxLifetime, clockSkew: Int64 = 60) {
        self.secret = Data(secret.utf8)
        self.maxLifetime = maxLifetime
        self.clockSkew = clockSkew
    }

    var key: SymmetricKey { SymmetricKey(data: secret) }

    public func sign(_ claims: TokenClaims) throws -> String {
        let header = Self.base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Self.base64URL(try JSON.encode(claims))
        let input = "\(header).\(payload)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key)
        return "\(input).\(Self.base64URL(Data(mac)))"
    }

    /// Mints a token valid for `ttl` seconds from `now`, at most ``maxLifetime``.
    public func mint(
        sub: String, role: Role, shop: String? = nil, order: String? = nil, ttl: TimeInterval,
        now: Date = Date(), sid: String? = nil
    ) throws -> String {
        let iat = Int64(now.timeIntervalSince1970)
        let lifetime = min(maxLifetime, max(1, Int64(ttl)))
        return try sign(TokenClaims(sub: sub, role: role, shop: shop, order: order, iat: iat, exp: iat + lifetime, sid: sid))
    }

    /// Checks signature (constant time), algorithm and expiry; returns the claims.
    public func verify(_ token: String, now: Date = Date()) throws(TokenError) -> TokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.decodeBase64URL(parts[0]),
            let payloadData = Self.decodeBase64URL(parts[1]), let signature = Self.decodeBase64URL(parts[2])
        else { throw .malformed }
        struct Header: Decodable { let alg: String }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData) else { throw .malformed }
        guard header.alg == "HS256" else { throw .unsupportedAlgorithm(header.alg) }
        let input = Data("\(parts[0]).\(parts[1])".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key) else {
            throw .badSignature
        }
        let claims: TokenClaims
        do {
            claims = try JSONDecoder().decode(TokenClaims.self, from: payloadData)
        } catch {
            throw .invalidClaims("\(error)")
        }
        guard !claims.sub.isEmpty else { throw .invalidClaims("empty sub") }
        if let sid = claims.sid, sid.isEmpty || sid.utf8.count > 40 { throw .invalidClaims("sid: 1–40 bytes") }
        let t = Int64(now.timeIntervalSince1970)
        guard t < claims.exp else { throw .expired }
        guard claims.iat <= t + clockSkew else { throw .invalidClaims("issued in the future (iat)") }
        guard claims.exp > claims.iat, claims.exp - claims.iat <= maxLifetime else {
            throw .invalidClaims("lifetime (exp − iat) over \(maxLifetime) s")
        }
        return claims
    }

    static func base64URL(_ data: Data) -> String { Base64URL.encode(data) }

    static func decodeBase64URL(_ text: Substring) -> Data? { Base64URL.decode(text) }
}
