import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// Notification routes, forwarded to `posy-notify`, which authorises by the caller:
/// everyone reads their own inbox (staff also their shop's shared one) and sets their own
/// preferences; staff of a shop name its manager; staff manage their shop's webhooks; people
/// subscribe their devices to Web Push (a customer from the order's tracking link).
struct NotifyAPI {
    struct WebhookInput: Codable {
        var shopId: String?
        var url: String
        var events: [String]
        var secret: String?
    }

    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        routes.forward(.get, "v1/notifications", to: NotifyRPC.inbox, via: api, retries: 1) { request, context in
            let q = request.uri.queryParameters
            var inbox = NotifyRPC.InboxRequest()
            if let b = q.get("before") {
                guard let before = Int64(b) else { throw PosyError(.invalidField, "before: a notification id") }
                inbox.before = before
            }
            if let l = q.get("limit") {
                guard let limit = Int(l) else { throw PosyError(.invalidField, "limit: 1 to 200") }
                inbox.limit = limit
            }
            inbox.unreadOnly = q.get("unread").map { $0 == "true" || $0 == "1" }
            return inbox
        }
        routes.forward(.post, "v1/notifications/{id}/read", to: NotifyRPC.read, via: api) { _, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw PosyError(.notFound, "no such notification") }
            return NotifyRPC.ReadRequest(id: id)
        }
        routes.forward(.get, "v1/notifications/preferences", to: NotifyRPC.preferences, via: api, retries: 1) { _, context in
            NotifyRPC.PreferencesRequest()
        }
        routes.forward(.put, "v1/notifications/preferences", to: NotifyRPC.preferences, via: api) { request, context in
            NotifyRPC.PreferencesRequest(
                set: try await request.decode(as: NotifyPreferences.self, context: context))
        }
        // The courier's call to the recipient through the masked-number provider (docs/protocol.md, "Masked numbers").
        routes.forward(.post, "v1/orders/{id}/call-number", to: NotifyRPC.callNumber, via: api) { _, context in
            OrderRef(orderId: try context.parameters.require("id"))
        }
        routes.forward(.get, "v1/shops/{shop}/notify-settings", to: NotifyRPC.shopSettings, via: api, retries: 1) { _, context in
            NotifyRPC.ShopSettingsRequest(shopId: try context.parameters.require("shop"))
        }
        routes.forward(.put, "v1/shops/{shop}/notify-settings", to: NotifyRPC.shopSettings, via: api) { request, context in
            NotifyRPC.ShopSettingsRequest(
                shopId: try context.parameters.require("shop"),
                set: try await request.decode(as: ShopNotifySettings.self, context: context))
        }
        routes.forward(.get, "v1/push/key", to: NotifyRPC.pushKey, via: api, retries: 1) { _, _ in EmptyBody() }
        routes.forward(.post, "v1/push/subscriptions", to: NotifyRPC.pushSubscribe, via: api, status: .created) { request, context in
            try await request.decode(as: PushSubscriptionInput.self, context: context)
        }
        routes.forward(.get, "v1/push/subscriptions", to: NotifyRPC.pushSubscriptions, via: api, retries: 1) { _, _ in EmptyBody() }
        routes.forward(.delete, "v1/push/subscriptions/{id}", to: NotifyRPC.pushUnsubscribe, via: api) { _, context in
            NotifyRPC.PushSubscriptionRef(id: try context.parameters.require("id"))
        }
        routes.forward(.post, "v1/webhooks", to: NotifyRPC.webhookCreate, via: api, status: .created) { request, context in
            let input = try await request.decode(as: WebhookInput.self, context: context)
            return NotifyRPC.WebhookCreateRequest(
                shopId: input.shopId, url: input.url, events: input.events, secret: input.secret)
        }
        routes.forward(.get, "v1/webhooks", to: NotifyRPC.webhookList, via: api, retries: 1) { request, context in
            ShopRef(shopId: request.uri.queryParameters.get("shopId") ?? context.claims.shop ?? "")
        }
        routes.forward(.delete, "v1/webhooks/{id}", to: NotifyRPC.webhookDelete, via: api) { _, context in
            NotifyRPC.WebhookRef(webhookId: try context.parameters.require("id"))
        }
        routes.forward(.get, "v1/webhooks/{id}/deliveries", to: NotifyRPC.webhookDeliveries, via: api, retries: 1) { request, context in
            var state: OutboundDelivery.State?
            if let s = request.uri.queryParameters.get("state") {
                guard let st = OutboundDelivery.State(rawValue: s) else {
                    throw PosyError(.invalidField, "state: pending, delivered or dead")
                }
                state = st
            }
            return NotifyRPC.WebhookDeliveriesRequest(webhookId: try context.parameters.require("id"), state: state)
        }
        routes.forward(.post, "v1/webhooks/{id}/deliveries/{deliveryId}/replay", to: NotifyRPC.webhookReplay, via: api, status: .created) {
            _, context in
            NotifyRPC.WebhookReplayRequest(
                webhookId: try context.parameters.require("id"),
                deliveryId: try context.parameters.require("deliveryId"))
        }
    }
}
