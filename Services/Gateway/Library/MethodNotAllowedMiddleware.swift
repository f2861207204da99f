import Hummingbird
import PosySchema

/// A request for a path the gateway serves, with a method it does not serve there, is answered
/// 405 with an `Allow` header listing the methods it does (RFC 9110 §15.5.6), not 404 as if the
/// path did not exist. Paths and methods come from ``GatewayRoutes``.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Route templates split into segments (`{x}` matches any one segment), with their methods.
    let templates: [([Substring], Set<String>)]

    init(routes: Set<String>) {
        var byPath: [String: Set<String>] = [:]
        for route in routes {
            let parts = route.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            byPath[String(parts[1]), default: []].insert(String(parts[0]))
        }
        templates = byPath.map { ($0.key.split(separator: "/"), $0.value) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            let allowed = templates.filter { template, _ in
                template.count == segments.count
                    && zip(template, segments).allSatisfy { t, s in (t.hasPrefix("{") && t.hasSuffix("}")) || t == s }
            }.reduce(into: Set<String>()) { $0.formUnion($1.1) }
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var response = try PosyError(
                .methodNotAllowed, "\(request.method.rawValue) is not served here; use \(allowed.sorted().joined(separator: ", "))"
            ).response(from: request, context: context)
            response.headers[.allow] = allowed.sorted().joined(separator: ", ")
            return response
        }
    }
}
