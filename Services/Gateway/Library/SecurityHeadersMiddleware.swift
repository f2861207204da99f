import Hummingbird

/// The outermost middleware of every router the gateway serves: each answer — a route's, an error's,
/// a 404 for a path nobody serves — says `X-Content-Type-Options: nosniff`, so no browser takes a
/// JSON error, a media file or a text body for a page of another type (docs/architecture.md, "The gateway").
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
