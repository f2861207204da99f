import Crypto
import Foundation
import PosySchema

/// Mints and verifies HS256 JWTs with the suite's secret (design §5).
public struct TokenSigner: Sendable {
    let secret: Data

    public init(secret: String) {
        self.secret = Data(secret.utf8)
    }

    var key: SymmetricKey { SymmetricKey(data: secret) }

    public func sign(_ claims: TokenClaims) throws -> String {
        let header = Self.base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Self.base64URL(try JSON.encode(claims))
        let input = "\(header).\(payload)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key)
        return "\(input).\(Self.base64URL(Data(mac)))"
    }

    /// Mints a token valid for `ttl` seconds from `now`.
    public func mint(sub: String, role: Role, shop: String? = nil, order: String? = nil, ttl: TimeInterval,
                     now: Date = Date()) throws -> String
    {
        let iat = Int64(now.timeIntervalSince1970)
        return try sign(TokenClaims(sub: sub, role: role, shop: shop, order: order, iat: iat, exp: iat + Int64(ttl)))
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
        guard Int64(now.timeIntervalSince1970) < claims.exp else { throw .expired }
        return claims
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
