import Hummingbird
import PosyAccess
import PosySchema

/// Puts the caller of a request in its context: a bearer token verified, its session still open
/// (401 when missing, invalid or ended), or a shop's API key that is live and whose scopes cover
/// the route (401, 403 `scope_missing`); then counted against its rate (429 with `Retry-After`).
/// The routes behind it read the claims from ``AuthenticatedContext``.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let api: APIContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let value = APIContext.bearer(request), value.hasPrefix(APIKey.prefix) {
            let key = try await api.access.apiKey(value)
            guard let scope = APIScopeRules.scope(method: request.method, path: request.uri.path) else {
                throw PosyError(.scopeMissing, "API keys cannot call \(request.method) \(request.uri.path)")
            }
            guard key.scopes.contains(scope) else {
                throw PosyError(.scopeMissing, "the API key lacks the scope \(scope.rawValue)")
            }
            if let wait = api.limiter.check("key:\(key.id)") { throw RateLimited(retryAfter: wait) }
            context.claims = TokenClaims(sub: key.id, role: .staff, shop: key.shopId, iat: 0, exp: Int64.max)
        } else {
            let claims = try api.authenticate(request)
            try await api.access.admit(claims)
            context.claims = claims
        }
        return try await next(request, context)
    }
}
