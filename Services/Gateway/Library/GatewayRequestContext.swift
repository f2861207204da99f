import Hummingbird
import NIOCore
import PosyAccess

/// The gateway's request context: Hummingbird's basic one plus the connection's channel, so a
/// route that refuses an upload mid-body (413) can close the connection instead of reading the
/// rest, and the verified token once ``BearerAuthMiddleware`` has checked it.
package struct GatewayRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// Set by ``BearerAuthMiddleware`` on the routes that need a token.
    var claims: TokenClaims?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        claims = nil
    }

    /// Bodies are JSON of at most 1 MiB unless a route says otherwise.
    package var requestDecoder: JSONBodyDecoder { JSONBodyDecoder() }
}
