import Crypto
import Foundation

/// The secrets people and shops' systems hold — sign-in codes, refresh credentials, API keys:
/// 256 random bits as unpadded base64url, kept by the suite only as their SHA-256.
public enum AccessSecret {
    /// A new secret from the system's cryptographic generator.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return TokenSigner.base64URL(Data(bytes))
    }

    /// What is stored instead of `secret`.
    public static func hash(_ secret: String) -> Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    /// Whether `secret` is one the suite could have made: 43 base64url characters. Anything else is
    /// refused before it reaches a lookup.
    public static func isWellFormed(_ secret: some StringProtocol) -> Bool {
        secret.utf8.count == 43 && TokenSigner.decodeBase64URL(Substring(secret)) != nil
    }
}
