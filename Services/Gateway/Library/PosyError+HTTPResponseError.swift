import Hummingbird
import PosySchema

/// The domain error answers as `{"code","message"}` with the status its code stands for
/// (docs/protocol.md, "Errors"); a route throws it and Hummingbird answers.
extension PosyError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: code.httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONReply(JSON.encodeOrEmpty(self), status: status).response
        if code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}
