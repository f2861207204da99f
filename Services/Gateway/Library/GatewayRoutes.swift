import Hummingbird

/// The gateway's HTTP routes as its router holds them — `METHOD /path` with OpenAPI-style
/// parameters — so nothing keeps a second list: `OpenAPITests` compares what the router serves with
/// `docs/openapi.yaml` both ways, and ``MethodNotAllowedMiddleware`` answers 405 from it.
public enum GatewayRoutes {
    /// Every route registered on `router`.
    package static func served<Context>(by router: Router<Context>) -> Set<String> {
        Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    /// The routes that take no token: signing in and refreshing a session (with the code, or the
    /// session's own refresh credential).
    public static let signIn: Set<String> = ["POST /v1/session", "POST /v1/session/refresh"]

    /// The API routes anyone may read: what the pages tell people (the retention table).
    public static let open: Set<String> = ["GET /v1/privacy/retention"]
}
