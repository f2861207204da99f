import Hummingbird
import HummingbirdCore

/// The plain-HTTP listener next to an HTTPS gateway: every request is answered 308 with the same
/// path and query under the gateway's public URL. The target's origin is the configured one, never
/// the request's `Host` (that would make the gateway an open redirect).
package struct HTTPSRedirect: HTTPResponder {
    package typealias Context = BasicRequestContext

    /// `https://host:port`, without a trailing slash.
    let origin: String

    package init(publicURL: String) {
        var origin = publicURL
        while origin.hasSuffix("/") { origin.removeLast() }
        self.origin = origin
    }

    package func respond(to request: Request, context: Context) async throws -> Response {
        Response(
            status: .permanentRedirect,
            headers: [.location: location(for: request.head.path ?? "/"), .contentLength: "0", .xContentTypeOptions: "nosniff"])
    }

    /// The target for a request target: an origin-form path (`/x?y`) is kept when it is plain
    /// visible ASCII; anything else (absolute or authority form, odd bytes) goes to `/`.
    func location(for target: String) -> String {
        guard target.hasPrefix("/"), !target.hasPrefix("//"), target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return origin + "/"
        }
        return origin + target
    }
}
