import Foundation
import Hummingbird

/// A JSON body as a service replied with it (or as the gateway encoded it), with its status: the
/// gateway forwards replies without decoding and re-encoding them.
struct JSONReply: ResponseGenerator {
    let data: Data
    var status: HTTPResponse.Status = .ok

    init(_ data: Data, status: HTTPResponse.Status = .ok) {
        self.data = data
        self.status = status
    }

    var response: Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}
