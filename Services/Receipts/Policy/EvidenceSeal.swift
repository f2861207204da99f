@preconcurrency import Crypto
import Foundation
import PosySchema

/// Seals the head of each order's evidence chain — its record count and last hash — with a key
/// derived from the suite's secret (docs/architecture.md, "Evidence chains"). Re-hashing alone
/// cannot see records cut off the end of a chain: what is left still links. The sealed head can:
/// fewer records than it counts, another last hash, or a head without a valid seal is reported,
/// and only a holder of the secret can seal a new head.
public struct EvidenceSeal: Sendable {
    let key: SymmetricKey

    /// The key is HMAC(secret, label): evidence seals cannot be confused with tokens or signed links
    /// made with the same secret.
    public init(secret: String) {
        let derived = HMAC<SHA256>.authenticationCode(
            for: Data("posy evidence head seal v1".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        key = SymmetricKey(data: Data(derived))
    }

    static func message(orderId: String, n: Int, hash: String) -> Data {
        Data("\(orderId)\n\(n)\n\(hash)".utf8)
    }

    public func seal(orderId: String, n: Int, hash: String) -> String {
        Hex.encode(Data(HMAC<SHA256>.authenticationCode(for: Self.message(orderId: orderId, n: n, hash: hash), using: key)))
    }

    public func isValid(_ seal: String, orderId: String, n: Int, hash: String) -> Bool {
        guard let mac = Hex.decode(seal) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.message(orderId: orderId, n: n, hash: hash), using: key)
    }
}
