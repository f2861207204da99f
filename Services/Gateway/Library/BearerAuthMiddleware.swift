import Hummingbird
import PosySchema

/// Puts the caller of a request in its context: the bearer token verified (401 when missing or
/// invalid) and counted against its rate (429 with `Retry-After`). The routes behind it read the
/// claims from ``AuthenticatedContext``.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let api: APIContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.claims = try api.authenticate(request)
        return try await next(request, context)
    }
}
