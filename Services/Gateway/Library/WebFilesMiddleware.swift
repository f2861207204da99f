import Hummingbird

/// Serves ``WebFiles`` in front of the API's routes: a web path never reaches the JSON router.
struct WebFilesMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let files: WebFiles

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let response = files.response(request) { return response }
        return try await next(request, context)
    }
}
