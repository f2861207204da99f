import Foundation
import Hummingbird
import PosyAccess
import PosyAuth
import PosySchema

/// `/v1/shops…` and `/v1/orders…`: authenticated, forwarded to `posy-orders`, which
/// authorises and filters by the caller.
struct OrdersAPI {
    struct ShopInput: Codable {
        var id: String?
        var name: String
        var address: String
        var lat: Double
        var lon: Double
        var timeZone: String
    }

    struct CourierInput: Codable {
        var id: String?
        var ref: String?
        var name: String
        var phone: String
        var vehicle: Vehicle
        var onDuty: Bool?
    }

    struct AssignInput: Codable { var courierId: String }
    struct ExceptionInput: Codable {
        var kind: ExceptionKind
        var note: String?
        var lat: Double?
        var lon: Double?
        var mediaIds: [String]?
        var clientId: String?
    }
    struct ReasonInput: Codable { var reason: String? }
    struct ResolveInput: Codable {
        var resolution: ExceptionResolution
        var note: String?
    }
    struct FailInput: Codable { var reason: String }

    /// Route suffix → the state it moves the order to.
    static let actions: [(String, OrderState)] = [
        ("confirm", .confirmed), ("assign", .assigned), ("accept", .accepted), ("pickup", .pickedUp),
        ("depart", .outForDelivery), ("cancel", .cancelled), ("fail", .failed), ("decline", .confirmed),
        ("arrive", .arriving),
    ]

    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        routes.forward(.post, "v1/shops", to: OrdersRPC.createShop, via: api, status: .created) { request, context in
            let s = try await request.decode(as: ShopInput.self, context: context)
            let shop = Shop(id: s.id ?? "", name: s.name, address: s.address, lat: s.lat, lon: s.lon, timeZone: s.timeZone)
            return OrdersRPC.ShopRequest(shop: shop)
        }
        routes.forward(.post, "v1/shops/{shop}/couriers", to: OrdersRPC.createCourier, via: api, status: .created) { request, context in
            let c = try await request.decode(as: CourierInput.self, context: context)
            let courier = Courier(
                id: c.id ?? "", shopId: try context.parameters.require("shop"), ref: c.ref, name: c.name, phone: c.phone,
                vehicle: c.vehicle, onDuty: c.onDuty ?? true)
            return OrdersRPC.CourierRequest(courier: courier)
        }
        routes.forward(.get, "v1/shops/{shop}/couriers", to: OrdersRPC.listCouriers, via: api, retries: 1) { _, context in
            OrdersRPC.ShopQuery(shopId: try context.parameters.require("shop"))
        }
        routes.post("v1/orders") { request, context in
            let new = try await request.decode(as: NewOrder.self, context: context)
            let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
            if let key, key.isEmpty || key.utf8.count > 200 {
                throw PosyError(.badRequest, "Idempotency-Key must be 1…200 bytes")
            }
            let data = try await api.call(
                OrdersRPC.create, OrdersRPC.CreateRequest(order: new, idempotencyKey: key), as: context.viewer)
            return JSONReply(try Self.created(data, api: api), status: .created)
        }
        routes.forward(.get, "v1/orders", to: OrdersRPC.list, via: api, retries: 1) { request, context in
            let q = request.uri.queryParameters
            var list = OrdersRPC.ListRequest()
            if let s = q.get("status") {
                guard let state = OrderState(rawValue: s) else { throw PosyError(.invalidField, "status: unknown '\(s)'") }
                list.status = state
            }
            list.courier = q.get("courier")
            list.cursor = q.get("cursor")
            for (name, value) in [("windowFrom", q.get("windowFrom")), ("windowTo", q.get("windowTo"))] {
                guard let value else { continue }
                guard let t = Timestamp.parse(value) else { throw PosyError(.invalidField, "\(name): not an RFC 3339 time") }
                if name == "windowFrom" { list.windowFrom = Timestamp.format(t) } else { list.windowTo = Timestamp.format(t) }
            }
            if let l = q.get("limit") {
                guard let n = Int(l) else { throw PosyError(.invalidField, "limit: not a number") }
                list.limit = n
            }
            return list
        }
        routes.forward(.get, "v1/orders/{id}", to: OrdersRPC.get, via: api, retries: 1) { _, context in
            OrdersRPC.OrderQuery(id: try context.parameters.require("id"))
        }
        routes.forward(.get, "v1/orders/{id}/timeline", to: OrdersRPC.timeline, via: api, retries: 1) { _, context in
            OrdersRPC.OrderQuery(id: try context.parameters.require("id"))
        }
        routes.post("v1/orders/{id}/tracking-link") { _, context in
            let renewed = try JSON.decode(
                TrackingLink.Renewed.self,
                from: try await api.call(
                    OrdersRPC.renewLink, OrdersRPC.OrderQuery(id: try context.parameters.require("id")), as: context.viewer))
            let url = try Self.trackingURL(
                api, order: renewed.orderId, customer: renewed.customerId, windowEnd: renewed.windowEnd, generation: renewed.generation)
            return JSONReply(Data(#"{"trackingUrl":"#.utf8) + Data(JSON.quoted(url).utf8) + Data("}".utf8), status: .created)
        }
        routes.forward(.post, "v1/orders/{id}/exceptions", to: OrdersRPC.openException, via: api, status: .created) {
            request, context in
            let x = try await request.decode(as: ExceptionInput.self, context: context)
            return OrdersRPC.OpenExceptionRequest(
                orderId: try context.parameters.require("id"), kind: x.kind, note: x.note, lat: x.lat,
                lon: x.lon, mediaIds: x.mediaIds, clientId: x.clientId)
        }
        routes.forward(.post, "v1/orders/{id}/changes", to: OrdersRPC.requestChange, via: api, status: .created) {
            request, context in
            OrdersRPC.ChangeRequest(
                orderId: try context.parameters.require("id"),
                change: try await request.decode(as: ChangeInput.self, context: context))
        }
        for (decision, approve) in [("approve", true), ("reject", false)] {
            routes.forward(.post, "v1/orders/{id}/changes/{changeId}/\(decision)", to: OrdersRPC.decideChange, via: api) {
                request, context in
                OrdersRPC.DecideChangeRequest(
                    orderId: try context.parameters.require("id"),
                    changeId: try context.parameters.require("changeId"), approve: approve,
                    reason: try await request.decode(as: ReasonInput.self, context: context).reason)
            }
        }
        routes.forward(.post, "v1/exceptions/{id}/ack", to: OrdersRPC.acknowledgeException, via: api) { _, context in
            OrdersRPC.OrderQuery(id: try context.parameters.require("id"))
        }
        routes.forward(.post, "v1/exceptions/{id}/resolve", to: OrdersRPC.resolveException, via: api) { request, context in
            let r = try await request.decode(as: ResolveInput.self, context: context)
            return OrdersRPC.ResolveExceptionRequest(
                id: try context.parameters.require("id"), resolution: r.resolution, note: r.note)
        }
        for (action, target) in Self.actions {
            routes.forward(.post, "v1/orders/{id}/\(action)", to: OrdersRPC.transition, via: api) { request, context in
                var transition = OrdersRPC.TransitionRequest(id: try context.parameters.require("id"), to: target)
                if target == .assigned { transition.courierId = try await request.decode(as: AssignInput.self, context: context).courierId }
                if target == .failed { transition.reason = try await request.decode(as: FailInput.self, context: context).reason }
                if target == .confirmed, action == "decline" {
                    // The reason is optional: an empty body declines without one.
                    let reason = try await request.decode(as: ReasonInput.self, context: context).reason
                    if let reason, reason.count > 500 { throw PosyError(.invalidField, "reason: at most 500 characters") }
                    transition.reason = reason
                }
                return transition
            }
        }
    }

    /// The 201 body of `POST /v1/orders`: the order, its `status`, and a tracking link for the
    /// customer (a customer token limited to this order, valid until 7 days after the window ends).
    /// The fields of a created order the gateway needs for the tracking link.
    struct CreatedHead: Decodable {
        struct CustomerId: Decodable { var id: String }
        struct WindowEnd: Decodable { var end: String }
        var id: String
        var state: OrderState
        var customer: CustomerId?
        var window: WindowEnd
    }

    /// The 201 body: the order as `posy-orders` returned it, plus `status` and the `trackingUrl`.
    static func created(_ order: Data, api: APIContext) throws -> Data {
        let head = try JSON.decode(CreatedHead.self, from: order)
        let url = try trackingURL(api, order: head.id, customer: head.customer?.id ?? "", windowEnd: head.window.end, generation: 0)
        guard order.first == UInt8(ascii: "{") else { throw PosyError(.internal, "orders replied with no object") }
        let extra = #"{"status":"\#(head.state.rawValue)","trackingUrl":"# + JSON.quoted(url) + ","
        return Data(extra.utf8) + order.dropFirst()
    }

    /// A tracking link: a customer token limited to the order, valid until a week after the window,
    /// whose `sid` names the order's link generation (``TrackingLink``: renewing it ends this one).
    static func trackingURL(_ api: APIContext, order: String, customer: String, windowEnd: String, generation: Int) throws -> String {
        let end = Timestamp.parse(windowEnd) ?? Date()
        let ttl = max(3600, end.timeIntervalSinceNow + 7 * 86400)
        let token = try api.signer.mint(
            sub: customer, role: .customer, order: order, ttl: ttl, sid: TrackingLink.sid(order: order, generation: generation))
        return "\(api.config.publicURL)/t/\(token)"
    }
}
