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
    /// Sessions and API keys that still grant access.
    let access: AccessGuard
    /// Address search, when a provider is configured.
    var geocoder: Geocoder?
    /// Couriers' live fixes on their way to posy-location, gathered.
    let fixes: FixBatcher

    /// The verified claims of the request's bearer token, within the token's rate. With
    /// `queryToken` (the WebSocket stream: browsers cannot set headers on it) the token may also come
    /// as `?access_token=`.
    func authenticate(_ request: Request, queryToken: Bool = false) throws -> TokenClaims {
        let claims = try verify(request, queryToken: queryToken)
        if let wait = limiter.check(RateLimiter.key(claims)) {
            throw RateLimited(retryAfter: wait)
        }
        return claims
    }

    /// The verified claims of the request's bearer token (no rate accounting).
    func verify(_ request: Request, queryToken: Bool = false) throws -> TokenClaims {
        guard let token = Self.bearer(request, queryToken: queryToken) else { throw PosyError(.unauthorized, "missing bearer token") }
        let claims: TokenClaims
        do {
            claims = try signer.verify(token)
        } catch {
            throw PosyError(.unauthorized, error.description)
        }
        // A URL ends up in logs and histories: only a token that is in a URL anyway — a tracking
        // link's — may come as `?access_token=` (docs/protocol.md, "Tokens").
        if Self.isQueryToken(request, token), !(claims.role == .customer && claims.order != nil) {
            throw PosyError(
                .unauthorized,
                "?access_token= takes a tracking link's token only; send others as Authorization or the posy.bearer subprotocol")
        }
        return claims
    }

    /// The bearer value of a request: `Authorization: Bearer`, or on the stream (`queryToken`) the
    /// WebSocket subprotocol `posy.bearer.<token>` browsers can set — or `?access_token=`, which
    /// puts the token in a URL and is kept for the tracking link, whose token is in its URL anyway.
    static func bearer(_ request: Request, queryToken: Bool = false) -> String? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        guard queryToken else { return nil }
        for field in request.headers[values: .secWebSocketProtocol] {
            for offered in field.split(separator: ",") {
                let p = offered.trimmingCharacters(in: .whitespaces)
                if p.hasPrefix(StreamAPI.bearerProtocolPrefix) {
                    let token = String(p.dropFirst(StreamAPI.bearerProtocolPrefix.count))
                    return token.isEmpty ? nil : token
                }
            }
        }
        if let t = request.uri.queryParameters.get("access_token"), !t.isEmpty { return t }
        return nil
    }

    /// Whether `token` is the one `?access_token=` carries (no header or subprotocol gave one first).
    static func isQueryToken(_ request: Request, _ token: String) -> Bool {
        request.uri.queryParameters.get("access_token") == token && bearer(request, queryToken: false) == nil
            && !request.headers[values: .secWebSocketProtocol].contains { $0.contains(StreamAPI.bearerProtocolPrefix) }
    }

    /// Calls `method` on its service (or the shard `instance` names) for `viewer`; returns the
    /// reply's JSON as it came, for the route to answer with or decode.
    func call<Request: Encodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer?, on instance: String? = nil, retries: Int = 0
    ) async throws -> Data {
        try await backend.callData(method, request, as: viewer, on: instance, timeout: .seconds(5), retries: retries)
    }
}
