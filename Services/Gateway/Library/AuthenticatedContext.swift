import Hummingbird
import NIOCore
import PosyAccess
import PosyAuth
import PosySchema

/// The context of a route that needs a token: the verified claims and the viewer the services act
/// for, never absent. Made from ``GatewayRequestContext`` after ``BearerAuthMiddleware`` ran.
struct AuthenticatedContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let claims: TokenClaims

    init(context: GatewayRequestContext) throws {
        guard let claims = context.claims else { throw PosyError(.unauthorized, "missing bearer token") }
        coreContext = context.coreContext
        channel = context.channel
        self.claims = claims
    }

    /// The verified person the services act for.
    var viewer: Viewer { Viewer(claims) }

    var requestDecoder: JSONBodyDecoder { JSONBodyDecoder() }
}
