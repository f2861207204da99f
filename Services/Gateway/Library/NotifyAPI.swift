import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// Notification routes, forwarded to `posy-notify`, which authorises by the caller:
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
                    guard let before = Int64(b) else { throw PosyError(.invalidField, "before: a notification id") }
                    inbox.before = before
                }
                if let l = q.get("limit") {
                    guard let limit = Int(l) else { throw PosyError(.invalidField, "limit: 1 to 200") }
                    inbox.limit = limit
                }
                inbox.unreadOnly = q.get("unread").map { $0 == "true" || $0 == "1" }
                return APIContext.json(try await api.call(NotifyRPC.inbox, inbox, retries: 1))
            }
        }
        router.post("v1/notifications/{id}/read") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                guard let id = Int64(try context.parameters.require("id")) else { throw PosyError(.notFound, "no such notification") }
                return APIContext.json(try await api.call(NotifyRPC.read, NotifyRPC.ReadRequest(caller: caller, id: id)))
            }
        }
        router.get("v1/notifications/preferences") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                return APIContext.json(
                    try await api.call(NotifyRPC.preferences, NotifyRPC.PreferencesRequest(caller: caller), retries: 1))
            }
        }
        router.put("v1/notifications/preferences") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let input = try await api.body(request, as: NotifyPreferences.self)
                return APIContext.json(
                    try await api.call(
                        NotifyRPC.preferences,
                        NotifyRPC.PreferencesRequest(caller: caller, set: input)))
            }
        }
        router.get("v1/shops/{shop}/notify-settings") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let shop = try context.parameters.require("shop")
                return APIContext.json(
                    try await api.call(
                        NotifyRPC.shopSettings,
                        NotifyRPC.ShopSettingsRequest(caller: caller, shopId: shop), retries: 1))
            }
        }
        router.put("v1/shops/{shop}/notify-settings") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let shop = try context.parameters.require("shop")
                let input = try await api.body(request, as: ShopNotifySettings.self)
                return APIContext.json(
                    try await api.call(
                        NotifyRPC.shopSettings,
                        NotifyRPC.ShopSettingsRequest(caller: caller, shopId: shop, set: input)))
            }
        }
        registerWebhooks(on: router, api: api)
    }

    struct WebhookInput: Codable {
        var shopId: String?
        var url: String
        var events: [String]
        var secret: String?
    }

    static func registerWebhooks(on router: RouteTable, api: APIContext) {
        router.post("v1/webhooks") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let input = try await api.body(request, as: WebhookInput.self)
                let hook = try await api.call(
                    NotifyRPC.webhookCreate,
                    NotifyRPC.WebhookCreateRequest(
                        caller: caller, shopId: input.shopId, url: input.url, events: input.events, secret: input.secret))
                return APIContext.json(hook, status: .created)
            }
        }
        router.get("v1/webhooks") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let shop = request.uri.queryParameters.get("shopId") ?? caller.shop ?? ""
                return APIContext.json(
                    try await api.call(NotifyRPC.webhookList, ShopRef(caller: caller, shopId: shop), retries: 1))
            }
        }
        router.delete("v1/webhooks/{id}") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                return APIContext.json(
                    try await api.call(NotifyRPC.webhookDelete, NotifyRPC.WebhookRef(caller: caller, webhookId: id)))
            }
        }
        router.get("v1/webhooks/{id}/deliveries") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                var state: OutboundDelivery.State?
                if let s = request.uri.queryParameters.get("state") {
                    guard let st = OutboundDelivery.State(rawValue: s) else {
                        throw PosyError(.invalidField, "state: pending, delivered or dead")
                    }
                    state = st
                }
                return APIContext.json(
                    try await api.call(
                        NotifyRPC.webhookDeliveries,
                        NotifyRPC.WebhookDeliveriesRequest(caller: caller, webhookId: id, state: state), retries: 1))
            }
        }
        router.post("v1/webhooks/{id}/deliveries/{deliveryId}/replay") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let delivery = try context.parameters.require("deliveryId")
                return APIContext.json(
                    try await api.call(
                        NotifyRPC.webhookReplay,
                        NotifyRPC.WebhookReplayRequest(caller: caller, webhookId: id, deliveryId: delivery)),
                    status: .created)
            }
        }
    }
}
