import Foundation
import Hummingbird
import PosySchema

/// Proof of delivery, the customer's answer and the evidence record, forwarded to
/// `posy-receipts`, which authorises against the order.
struct ReceiptsAPI {
    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        routes.forward(.post, "v1/orders/{id}/proof", to: ReceiptsRPC.proofSubmit, via: api, status: .created) { request, context in
            ReceiptsRPC.ProofRequest(
                orderId: try context.parameters.require("id"),
                proof: try await request.decode(as: ProofInput.self, context: context))
        }
        routes.forward(.post, "v1/orders/{id}/confirmation", to: ReceiptsRPC.confirm, via: api, status: .created) {
            request, context in
            ReceiptsRPC.ConfirmRequest(
                orderId: try context.parameters.require("id"),
                confirmation: try await request.decode(as: ConfirmationInput.self, context: context))
        }
        routes.forward(.post, "v1/orders/{id}/look", to: ReceiptsRPC.look, via: api, status: .created) { request, context in
            ReceiptsRPC.LookRequest(
                orderId: try context.parameters.require("id"),
                look: try await request.decode(as: LookVerdict.Input.self, context: context))
        }
        routes.forward(.get, "v1/orders/{id}/evidence", to: ReceiptsRPC.evidenceBundle, via: api, retries: 1) { _, context in
            ReceiptsRPC.OrderRef(orderId: try context.parameters.require("id"))
        }
        routes.get("v1/orders/{id}/evidence.html") { _, context -> Response in
            let id = try context.parameters.require("id")
            let html = try await api.call(
                ReceiptsRPC.evidenceHTML, ReceiptsRPC.OrderRef(orderId: id), as: context.viewer, retries: 1)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store",
                    .contentSecurityPolicy: "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
                    .init("Referrer-Policy")!: "no-referrer",
                    .contentDisposition: "inline; filename=\"evidence-\(id).html\"",
                ], body: .init(byteBuffer: ByteBuffer(bytes: html)))
        }
    }
}
