import Hummingbird

/// Registers routes on a router while recording them as `METHOD /path`, so the gateway can check
/// at startup that what it serves is exactly ``GatewayRoutes/all`` (which a test compares with
/// `docs/openapi.yaml`).
/// Used only while the application is being built, on one task.
final class RouteTable {
    let router: Router<GatewayRequestContext>
    private(set) var routes: [String] = []

    init(router: Router<GatewayRequestContext>) { self.router = router }

    func get(_ path: String, _ handler: @escaping @Sendable (Request, GatewayRequestContext) async throws -> Response) {
        routes.append("GET /\(path)")
        router.get(RouterPath(path), use: handler)
    }

    func post(_ path: String, _ handler: @escaping @Sendable (Request, GatewayRequestContext) async throws -> Response) {
        routes.append("POST /\(path)")
        router.post(RouterPath(path), use: handler)
    }

    func delete(_ path: String, _ handler: @escaping @Sendable (Request, GatewayRequestContext) async throws -> Response) {
        routes.append("DELETE /\(path)")
        router.delete(RouterPath(path), use: handler)
    }

    func put(_ path: String, _ handler: @escaping @Sendable (Request, GatewayRequestContext) async throws -> Response) {
        routes.append("PUT /\(path)")
        router.put(RouterPath(path), use: handler)
    }
}
