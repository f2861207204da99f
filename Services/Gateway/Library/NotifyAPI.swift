import Foundation
import Hummingbird
import PosyOrders
import PosySchema

/// Notification routes (issue 7), forwarded to `posy-notify`, which authorises by the caller:
/// everyone reads their own inbox (staff also their shop's shared one) and sets their own
/// preferences; staff of a shop name its manager.
enum NotifyAPI {
    static func register(on router: RouteTable, api: APIContext) {
        router.get("v1/notifications") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let q = request.uri.queryParameters
                var inbox = NotifyRPC.InboxRequest(caller: caller)
                if let b = q.get("before") {
                    guard let before = Int64(b) else { throw RPCErrorBody(.invalidField, "before: a notification id") }
                    inbox.before = before
                }
                if let l = q.get("limit") {
                    guard let limit = Int(l) else { throw RPCErrorBody(.invalidField, "limit: 1 to 200") }
                    inbox.limit = limit
                }
                inbox.unreadOnly = q.get("unread").map { $0 == "true" || $0 == "1" }
                return APIContext.json(try await api.call("notify", NotifyRPC.inbox, inbox, retries: 1))
            }
        }
        router.post("v1/notifications/{id}/read") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                guard let id = Int64(try context.parameters.require("id")) else { throw RPCErrorBody(.notFound, "no such notification") }
                return APIContext.json(try await api.call("notify", NotifyRPC.read, NotifyRPC.ReadRequest(caller: caller, id: id)))
            }
        }
        router.get("v1/notifications/preferences") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                return APIContext.json(try await api.call("notify", NotifyRPC.preferences, NotifyRPC.PreferencesRequest(caller: caller), retries: 1))
            }
        }
        router.put("v1/notifications/preferences") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let input = try await api.body(request, as: NotifyPreferences.self)
                return APIContext.json(try await api.call("notify", NotifyRPC.preferences,
                                                          NotifyRPC.PreferencesRequest(caller: caller, set: input)))
            }
        }
        router.get("v1/shops/{shop}/notify-settings") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let shop = try context.parameters.require("shop")
                return APIContext.json(try await api.call("notify", NotifyRPC.shopSettings,
                                                          NotifyRPC.ShopSettingsRequest(caller: caller, shopId: shop), retries: 1))
            }
        }
        router.put("v1/shops/{shop}/notify-settings") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let shop = try context.parameters.require("shop")
                let input = try await api.body(request, as: ShopNotifySettings.self)
                return APIContext.json(try await api.call("notify", NotifyRPC.shopSettings,
                                                          NotifyRPC.ShopSettingsRequest(caller: caller, shopId: shop, set: input)))
            }
        }
    }
}
