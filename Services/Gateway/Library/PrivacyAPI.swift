import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// Privacy requests (docs/protocol.md, "Privacy"), forwarded to `posy-orders`, which decides who
/// may: an admin, or a manager of the shop. An erasure is accepted at once (202) and goes on in
/// every store; its state is read back by id.
struct PrivacyAPI {
    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>, public: Router<GatewayRequestContext>) {
        let api = api
        // Public (GatewayRoutes.open): how long what kind of personal data is kept, for the pages to tell people.
        let table = try? JSON.encode(api.config.retention)
        `public`.get("v1/privacy/retention") { _, _ -> Response in
            var response = JSONReply(table ?? Data("[]".utf8)).response
            response.headers[.cacheControl] = "public, max-age=300"
            return response
        }
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
        routes.get("v1/privacy/export") { request, context -> Response in
            let q = request.uri.queryParameters
            let input = ErasureInput(
                customerId: q.get("customerId"), phone: q.get("phone"), shopId: q.get("shopId"))
            var export = try JSON.decode(PrivacyExport.self, from: try await api.call(PrivacyRPC.export, input, as: context.viewer))
            export.media = await Self.media(of: export, api: api, viewer: context.viewer)
            var response = JSONReply(try JSON.encode(export)).response
            response.headers[.cacheControl] = "no-store"
            response.headers[.contentDisposition] = "attachment; filename=\"posy-export-\(export.generatedAt.prefix(10)).json\""
            return response
        }
        routes.forward(.put, "v1/shops/{shop}/retention", to: OrdersRPC.setRetention, via: api) { request, context in
            OrdersRPC.RetentionRequest(
                shopId: try context.parameters.require("shop"),
                retention: try await request.decode(as: ShopRetention.self, context: context))
        }
    }

    /// Most bytes of media one export inlines; later items name their id to fetch.
    static let maxInlined: Int64 = 64 << 20

    /// The export's media with their bytes, read as the caller reads them (`media.read`).
    static func media(of export: PrivacyExport, api: APIContext, viewer: Viewer) async -> [ExportedMedia] {
        guard case .object(let receipts)? = export.parts[ServiceName.receipts], let listed = receipts["media"],
            let items = try? JSON.decode([MediaInfo].self, from: JSON.encode(listed))
        else { return [] }
        var budget = maxInlined
        var out: [ExportedMedia] = []
        for m in items {
            var item = ExportedMedia(
                id: m.id, orderId: m.orderId, contentType: m.contentType, sha256: m.sha256, size: m.size, base64: nil, omitted: nil)
            if m.purgedAt != nil {
                item.omitted = "purged \(m.purgedAt ?? "")"
            } else if m.size > budget {
                item.omitted = "past the export's \(maxInlined >> 20) MiB: GET /v1/media/\(m.id)"
            } else {
                var bytes = Data()
                while bytes.count < m.size {
                    let length = Int(min(Int64(ReceiptsRPC.maxReadLength), m.size - Int64(bytes.count)))
                    guard
                        let piece = try? await api.call(
                            ReceiptsRPC.mediaRead, ReceiptsRPC.ReadRequest(id: m.id, offset: Int64(bytes.count), length: length),
                            as: viewer, retries: 1), !piece.isEmpty
                    else { break }
                    bytes += piece
                }
                if bytes.count == Int(m.size) {
                    item.base64 = bytes.base64EncodedString()
                    budget -= m.size
                } else {
                    item.omitted = "could not be read: GET /v1/media/\(m.id)"
                }
            }
            out.append(item)
        }
        return out
    }
}
