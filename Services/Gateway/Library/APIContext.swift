import Foundation
import Hummingbird
import PosyAccess
import PosyAuth
import PosySchema

/// What the route collections share: the backend they forward to, the token signer, the
/// configuration and the per-token rate limiter.
struct APIContext: Sendable {
    let backend: any GatewayBackend
    let signer: TokenSigner
    let config: GatewayConfig
    let limiter: RateLimiter

    /// The verified claims of the request's bearer token, within the token's rate. With
    /// `queryToken` (the WebSocket stream: browsers cannot set headers on it) the token may also come
    /// as `?access_token=`.
    func authenticate(_ request: Request, queryToken: Bool = false) throws -> TokenClaims {
        let claims = try verify(request, queryToken: queryToken)
        if let wait = limiter.check("\(claims.role.rawValue):\(claims.sub):\(claims.order ?? "")") {
            throw RateLimited(retryAfter: wait)
        }
        return claims
    }

    /// The verified claims of the request's bearer token (no rate accounting).
    func verify(_ request: Request, queryToken: Bool = false) throws -> TokenClaims {
        let token: String
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if queryToken, let t = request.uri.queryParameters.get("access_token"), !t.isEmpty {
            token = t
        } else {
            throw PosyError(.unauthorized, "missing bearer token")
        }
        do {
            return try signer.verify(token)
        } catch {
            throw PosyError(.unauthorized, error.description)
        }
    }

    /// Calls `method` on its service (or the shard `instance` names); returns the reply's JSON as it
    /// came, for the route to answer with or decode.
    func call<Request: Encodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, on instance: String? = nil, retries: Int = 0
    ) async throws -> Data {
        try await backend.callData(method, request, on: instance, timeout: .seconds(5), retries: retries)
    }
}
