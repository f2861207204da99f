import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// Privacy requests (docs/protocol.md, "Privacy"), forwarded to `posy-orders`, which decides who
/// may: an admin, or a manager of the shop. An erasure is accepted at once (202) and goes on in
/// every store; its state is read back by id.
struct PrivacyAPI {
    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        routes.post("v1/privacy/erasures") { request, context -> Response in
            let input = try await request.decode(as: ErasureInput.self, context: context)
            let data = try await api.call(PrivacyRPC.erase, input, as: context.viewer)
            var response = JSONReply(data, status: .accepted).response
            response.headers[.cacheControl] = "no-store"
            if let erasure = try? JSON.decode(Erasure.self, from: data) {
                response.headers[.location] = "/v1/privacy/erasures/\(erasure.id)"
            }
            return response
        }
        routes.forward(.get, "v1/privacy/erasures/{id}", to: PrivacyRPC.erasure, via: api, retries: 1) { _, context in
            PrivacyRPC.ErasureQuery(id: try context.parameters.require("id"))
        }
        routes.forward(.put, "v1/shops/{shop}/retention", to: OrdersRPC.setRetention, via: api) { request, context in
            OrdersRPC.RetentionRequest(
                shopId: try context.parameters.require("shop"),
                retention: try await request.decode(as: ShopRetention.self, context: context))
        }
    }
}
