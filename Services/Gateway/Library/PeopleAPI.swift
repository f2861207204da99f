import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// A shop's people and API keys, forwarded to `posy-orders`, which decides who may: staff see the
/// shop and its people; admins and the shop's managers invite, remove and manage keys.
struct PeopleAPI {
    struct InviteInput: Codable {
        var role: PersonRole
        var name: String
        var courierId: String?
        var ttlHours: Double?
    }

    struct LocationInput: Codable {
        var address: String
        var lat: Double
        var lon: Double
    }

    struct KeyInput: Codable {
        var name: String
        var scopes: [APIScope]
    }

    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        routes.forward(.get, "v1/shops/{shop}", to: OrdersRPC.getShop, via: api, retries: 1) { _, context in
            ShopRef(shopId: try context.parameters.require("shop"))
        }
        routes.forward(.put, "v1/shops/{shop}/location", to: OrdersRPC.setLocation, via: api) { request, context in
            let input = try await request.decode(as: LocationInput.self, context: context)
            return OrdersRPC.ShopLocationRequest(
                shopId: try context.parameters.require("shop"), address: input.address, lat: input.lat, lon: input.lon)
        }
        routes.forward(.get, "v1/shops/{shop}/attention", to: OrdersRPC.attention, via: api, retries: 1) { _, context in
            ShopRef(shopId: try context.parameters.require("shop"))
        }
        routes.post("v1/shops/{shop}/invites") { request, context -> Response in
            let input = try await request.decode(as: InviteInput.self, context: context)
            let ttl = try input.ttlHours.map { hours -> Int in
                guard hours.isFinite, hours > 0, hours <= 168 else { throw PosyError(.invalidField, "ttlHours: more than 0, at most 168") }
                return Int(hours * 3600)
            }
            var invite = try await api.backend.call(
                PeopleRPC.invite,
                PeopleRPC.InviteRequest(
                    shopId: try context.parameters.require("shop"), role: input.role, name: input.name,
                    courierId: input.courierId, ttlSeconds: ttl), as: context.viewer)
            invite.link = Self.link(api.config.publicURL, invite.code)
            var response = JSONReply(try JSON.encode(invite), status: .created).response
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.forward(.get, "v1/shops/{shop}/people", to: PeopleRPC.list, via: api, retries: 1) { _, context in
            ShopRef(shopId: try context.parameters.require("shop"))
        }
        routes.forward(.delete, "v1/shops/{shop}/people/{id}", to: PeopleRPC.remove, via: api) { _, context in
            PeopleRPC.ItemRequest(
                shopId: try context.parameters.require("shop"), id: try context.parameters.require("id"))
        }
        routes.post("v1/shops/{shop}/api-keys") { request, context -> Response in
            let input = try await request.decode(as: KeyInput.self, context: context)
            let data = try await api.call(
                PeopleRPC.createKey,
                PeopleRPC.KeyRequest(
                    shopId: try context.parameters.require("shop"), name: input.name, scopes: input.scopes), as: context.viewer)
            var response = JSONReply(data, status: .created).response
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.forward(.get, "v1/shops/{shop}/api-keys", to: PeopleRPC.listKeys, via: api, retries: 1) { _, context in
            ShopRef(shopId: try context.parameters.require("shop"))
        }
        routes.on("v1/shops/{shop}/api-keys/{id}", method: .delete) { _, context -> Response in
            let id = try context.parameters.require("id")
            let data = try await api.call(
                PeopleRPC.revokeKey, PeopleRPC.ItemRequest(shopId: try context.parameters.require("shop"), id: id), as: context.viewer)
            api.access.end([id])
            return JSONReply(data).response
        }
    }

    /// `<public URL>/signin#<code>`: the code after `#` never reaches a server in a request line.
    static func link(_ publicURL: String, _ code: String) -> String {
        (publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL) + "/signin#" + code
    }
}
