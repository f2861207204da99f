import Hummingbird
import PosySchema

/// Thrown when a token (or an address, for `/healthz`) is over its rate: 429 `rate_limited` with
/// `Retry-After` in whole seconds.
struct RateLimited: HTTPResponseError {
    let retryAfter: Double

    var error: PosyError {
        PosyError(.rateLimited, "too many requests for this token; retry after \(Int(retryAfter.rounded(.up))) s")
    }

    /// Whole seconds, at least 1.
    var retryAfterHeader: String { "\(max(1, Int(retryAfter.rounded(.up))))" }

    var status: HTTPResponse.Status { .tooManyRequests }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try error.response(from: request, context: context)
        response.headers[.retryAfter] = retryAfterHeader
        return response
    }
}
