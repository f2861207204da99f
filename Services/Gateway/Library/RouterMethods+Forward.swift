import Hummingbird
import PosyAccess
import PosySchema

extension RouterMethods where Context == AuthenticatedContext {
    /// A route that only relays: the request `make` builds from the HTTP request goes to `rpc` for
    /// the token's person, and the reply's JSON comes back as it is with `status`. The owning service
    /// authorises and validates (docs/architecture.md, "Gateway").
    @discardableResult func forward<RPCRequest: Encodable & Sendable, Reply: Sendable>(
        _ method: HTTPRequest.Method, _ path: RouterPath, to rpc: RPC<RPCRequest, Reply>, via api: APIContext,
        status: HTTPResponse.Status = .ok, retries: Int = 0,
        _ make: @escaping @Sendable (Request, AuthenticatedContext) async throws -> RPCRequest
    ) -> Self {
        on(path, method: method) { request, context in
            JSONReply(try await api.call(rpc, try await make(request, context), as: context.viewer, retries: retries), status: status)
        }
    }
}
