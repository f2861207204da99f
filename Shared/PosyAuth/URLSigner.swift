import Crypto
import Foundation

/// Short-lived signed URLs (`?exp=&sig=`) for embedding media in web pages: HMAC-SHA256
/// with the suite secret over a purpose label, the path and the expiry, base64url. The label keeps
/// a URL signature from ever being valid as anything else signed with the same secret.
public struct URLSigner: Sendable {
    let secret: Data
    /// The longest validity a link may be given.
    public static let maxTTL: TimeInterval = 3600

    public init(secret: String) {
        self.secret = Data(secret.utf8)
    }

    var key: SymmetricKey { SymmetricKey(data: secret) }

    /// What is signed: a purpose label, the path and the expiry.
    static func message(path: String, exp: Int64) -> Data { Data("posy-url-v1\n\(path)\n\(exp)".utf8) }

    func mac(path: String, exp: Int64) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Self.message(path: path, exp: exp), using: key))
    }

    /// The query (`exp=…&sig=…`) that makes `path` readable until `now + ttl`.
    public func sign(path: String, ttl: TimeInterval, now: Date = Date()) -> (query: String, expires: Int64) {
        let exp = Int64(now.timeIntervalSince1970 + min(ttl, Self.maxTTL))
        return ("exp=\(exp)&sig=\(TokenSigner.base64URL(mac(path: path, exp: exp)))", exp)
    }

    public enum Failure: String, Error, Sendable {
        case malformed = "the link's exp/sig are malformed"
        case expired = "the link has expired"
        case badSignature = "the link's signature does not match"
    }

    /// Checks a link's `exp` and `sig` for `path`.
    public func verify(path: String, exp: String, sig: String, now: Date = Date()) throws(Failure) {
        guard let e = Int64(exp), let given = TokenSigner.decodeBase64URL(Substring(sig)) else { throw .malformed }
        guard Double(e) >= now.timeIntervalSince1970 else { throw .expired }
        guard Double(e) <= now.timeIntervalSince1970 + Self.maxTTL + 60 else { throw .badSignature }
        guard HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Self.message(path: path, exp: e), using: key) else {
            throw .badSignature
        }
    }
}
