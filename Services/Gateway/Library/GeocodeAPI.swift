import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// `GET /v1/geocode?q=…&shop=…`: address search for the forms (the console's new order and settings,
/// the customer's change of address), biased to the shop's surroundings. Whoever may see the shop
/// may search near it (posy-orders decides); what was typed is never logged.
struct GeocodeAPI {
    let api: APIContext

    /// Longest query, in characters.
    static let maxQuery = 200

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        routes.get("v1/geocode") { request, context -> Response in
            guard let geocoder = api.geocoder else {
                throw PosyError(.conflict, "no geocoder is configured (--geocoder): pick the place on the map")
            }
            let q = (request.uri.queryParameters.get("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !q.isEmpty else { throw PosyError(.invalidField, "q: what to look for, 1–\(Self.maxQuery) characters") }
            guard q.count <= Self.maxQuery, !q.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw PosyError(.invalidField, "q: at most \(Self.maxQuery) characters, no control characters")
            }
            guard let shopId = request.uri.queryParameters.get("shop"), !shopId.isEmpty else {
                throw PosyError(.invalidField, "shop: the shop whose surroundings to search")
            }
            let shop = try JSON.decode(
                Shop.self, from: try await api.call(OrdersRPC.getShop, ShopRef(shopId: shopId), as: context.viewer, retries: 1))
            let language = (request.headers[.acceptLanguage] ?? "").lowercased().hasPrefix("zh") ? "zh-CN" : "en"
            let result = try await geocoder.search(q, near: shop, language: language)
            var response = JSONReply(try JSON.encode(result)).response
            response.headers[.cacheControl] = "private, max-age=300"
            return response
        }
    }
}
