import Hummingbird
import Logging
import PosySchema

/// The outermost middleware: an error a route did not mean to answer with (anything that is not an
/// `HTTPResponseError`) is logged and answered as `internal`, without its details.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            logger.error("API route failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw PosyError(.internal, "internal error")
        }
    }
}
