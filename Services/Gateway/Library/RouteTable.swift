import Hummingbird

/// The gateway's router as the route collections see it: it registers on the router and records
/// every route as `METHOD /path`, groups and their middleware included, so the gateway can check at
/// startup that what it serves is exactly ``GatewayRoutes/all`` (which a test compares with
/// `docs/openapi.yaml`). Used only while the application is being built, on one task.
final class RouteTable: RouterMethods {
    typealias Context = GatewayRequestContext
    let router: Router<GatewayRequestContext>
    private(set) var routes: [String] = []

    init(router: Router<GatewayRequestContext>) { self.router = router }

    @discardableResult func on<Responder: HTTPResponder>(
        _ path: RouterPath, method: HTTPRequest.Method, responder: Responder
    ) -> Self where Responder.Context == Context {
        routes.append("\(method.rawValue) \(path.description)")
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }

    /// The routes that need a token: behind ``BearerAuthMiddleware``, with ``AuthenticatedContext``.
    func authenticated(by api: APIContext) -> RouterGroup<AuthenticatedContext> {
        group().add(middleware: BearerAuthMiddleware(api: api)).group(context: AuthenticatedContext.self)
    }
}
