import Hummingbird

extension Router where Context == GatewayRequestContext {
    /// The routes that need a token: behind ``BearerAuthMiddleware``, with ``AuthenticatedContext``.
    func authenticated(by api: APIContext) -> RouterGroup<AuthenticatedContext> {
        group().add(middleware: BearerAuthMiddleware(api: api)).group(context: AuthenticatedContext.self)
    }
}
