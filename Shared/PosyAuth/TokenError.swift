import PosySchema

/// Why a token was refused. `code` is stable; every case maps to `unauthorized`.
public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed
    case unsupportedAlgorithm(String)
    case badSignature
    case expired
    case invalidClaims(String)

    public var code: ErrorCode { .unauthorized }

    public var description: String {
        switch self {
        case .malformed: "token is not a JWT (header.payload.signature)"
        case .unsupportedAlgorithm(let a): "token algorithm \(a) is not HS256"
        case .badSignature: "token signature does not match"
        case .expired: "token has expired"
        case .invalidClaims(let why): "token claims are invalid: \(why)"
        }
    }
}
