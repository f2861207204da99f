import Foundation
import Hummingbird
import PosySchema

/// Proof of delivery, the customer's answer and the evidence record, forwarded to
/// `posy-receipts`, which authorises against the order.
enum ReceiptsAPI {
    static func register(on router: RouteTable, api: APIContext) {
        router.post("v1/orders/{id}/proof") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let proof = try await api.body(request, as: ProofInput.self)
                return APIContext.json(
                    try await api.call(
                        ReceiptsRPC.proofSubmit,
                        ReceiptsRPC.ProofRequest(caller: caller, orderId: id, proof: proof)),
                    status: .created)
            }
        }
        router.post("v1/orders/{id}/confirmation") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let input = try await api.body(request, as: ConfirmationInput.self)
                return APIContext.json(
                    try await api.call(
                        ReceiptsRPC.confirm,
                        ReceiptsRPC.ConfirmRequest(caller: caller, orderId: id, confirmation: input)),
                    status: .created)
            }
        }
        router.get("v1/orders/{id}/evidence") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                return APIContext.json(
                    try await api.call(
                        ReceiptsRPC.evidenceBundle,
                        ReceiptsRPC.OrderRef(caller: caller, orderId: id), retries: 1))
            }
        }
        router.get("v1/orders/{id}/evidence.html") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let html = try await api.call(
                    ReceiptsRPC.evidenceHTML, ReceiptsRPC.OrderRef(caller: caller, orderId: id),
                    retries: 1)
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
}
