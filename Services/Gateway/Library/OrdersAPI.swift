import Foundation
import Hummingbird
import PosyAccess
import PosyAuth
import PosySchema

/// `/v1/shops…` and `/v1/orders…`: authenticated, forwarded to `posy-orders`, which
/// authorises and filters by the caller.
enum OrdersAPI {
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
        ("depart", .outForDelivery), ("cancel", .cancelled), ("fail", .failed),
    ]

    static func register(on router: RouteTable, api: APIContext) {
        router.post("v1/shops") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let s = try await api.body(request, as: ShopInput.self)
                let shop = Shop(id: s.id ?? "", name: s.name, address: s.address, lat: s.lat, lon: s.lon, timeZone: s.timeZone)
                return APIContext.json(
                    try await api.call(OrdersRPC.createShop, OrdersRPC.ShopRequest(caller: caller, shop: shop)),
                    status: .created)
            }
        }
        router.post("v1/shops/{shop}/couriers") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let shop = try context.parameters.require("shop")
                let c = try await api.body(request, as: CourierInput.self)
                let courier = Courier(
                    id: c.id ?? "", shopId: shop, name: c.name, phone: c.phone, vehicle: c.vehicle, onDuty: c.onDuty ?? true)
                return APIContext.json(
                    try await api.call(
                        OrdersRPC.createCourier,
                        OrdersRPC.CourierRequest(caller: caller, courier: courier)), status: .created)
            }
        }
        router.get("v1/shops/{shop}/couriers") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let shop = try context.parameters.require("shop")
                return APIContext.json(
                    try await api.call(
                        OrdersRPC.listCouriers,
                        OrdersRPC.ShopQuery(caller: caller, shopId: shop), retries: 1))
            }
        }
        router.post("v1/orders") { request, _ in
            await api.handle {
                let claims = try api.authenticate(request)
                let new = try await api.body(request, as: NewOrder.self)
                let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
                if let key, key.isEmpty || key.utf8.count > 200 {
                    throw PosyError(.badRequest, "Idempotency-Key must be 1…200 bytes")
                }
                let data = try await api.call(
                    OrdersRPC.create,
                    OrdersRPC.CreateRequest(caller: Viewer.caller(claims), order: new, idempotencyKey: key))
                return APIContext.json(try created(data, api: api), status: .created)
            }
        }
        router.get("v1/orders") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let q = request.uri.queryParameters
                var list = OrdersRPC.ListRequest(caller: caller)
                if let s = q.get("status") {
                    guard let state = OrderState(rawValue: s) else { throw PosyError(.invalidField, "status: unknown '\(s)'") }
                    list.status = state
                }
                list.courier = q.get("courier")
                list.cursor = q.get("cursor")
                if let l = q.get("limit") {
                    guard let n = Int(l) else { throw PosyError(.invalidField, "limit: not a number") }
                    list.limit = n
                }
                return APIContext.json(try await api.call(OrdersRPC.list, list, retries: 1))
            }
        }
        router.get("v1/orders/{id}") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                return APIContext.json(
                    try await api.call(OrdersRPC.get, OrdersRPC.OrderQuery(caller: caller, id: id), retries: 1))
            }
        }
        router.get("v1/orders/{id}/timeline") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                return APIContext.json(
                    try await api.call(OrdersRPC.timeline, OrdersRPC.OrderQuery(caller: caller, id: id), retries: 1))
            }
        }
        router.post("v1/orders/{id}/exceptions") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let x = try await api.body(request, as: ExceptionInput.self)
                return APIContext.json(
                    try await api.call(
                        OrdersRPC.openException,
                        OrdersRPC.OpenExceptionRequest(
                            caller: caller, orderId: id, kind: x.kind, note: x.note, lat: x.lat, lon: x.lon, mediaIds: x.mediaIds)),
                    status: .created)
            }
        }
        router.post("v1/orders/{id}/changes") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let change = try await api.body(request, as: ChangeInput.self)
                return APIContext.json(
                    try await api.call(
                        OrdersRPC.requestChange,
                        OrdersRPC.ChangeRequest(caller: caller, orderId: id, change: change)), status: .created)
            }
        }
        for (decision, approve) in [("approve", true), ("reject", false)] {
            router.post("v1/orders/{id}/changes/{changeId}/\(decision)") { request, context in
                await api.handle {
                    let caller = try api.caller(request)
                    let id = try context.parameters.require("id")
                    let changeId = try context.parameters.require("changeId")
                    let reason = try await api.body(request, as: ReasonInput.self).reason
                    return APIContext.json(
                        try await api.call(
                            OrdersRPC.decideChange,
                            OrdersRPC.DecideChangeRequest(
                                caller: caller, orderId: id, changeId: changeId, approve: approve, reason: reason)))
                }
            }
        }
        router.post("v1/exceptions/{id}/ack") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                return APIContext.json(
                    try await api.call(OrdersRPC.acknowledgeException, OrdersRPC.OrderQuery(caller: caller, id: id)))
            }
        }
        router.post("v1/exceptions/{id}/resolve") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let r = try await api.body(request, as: ResolveInput.self)
                return APIContext.json(
                    try await api.call(
                        OrdersRPC.resolveException,
                        OrdersRPC.ResolveExceptionRequest(caller: caller, id: id, resolution: r.resolution, note: r.note)))
            }
        }
        for (action, target) in actions {
            router.post("v1/orders/{id}/\(action)") { request, context in
                await api.handle {
                    let caller = try api.caller(request)
                    let id = try context.parameters.require("id")
                    var transition = OrdersRPC.TransitionRequest(caller: caller, id: id, to: target)
                    if target == .assigned { transition.courierId = try await api.body(request, as: AssignInput.self).courierId }
                    if target == .failed { transition.reason = try await api.body(request, as: FailInput.self).reason }
                    return APIContext.json(try await api.call(OrdersRPC.transition, transition))
                }
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

    /// The 201 body: the order as `posy-orders` returned it, plus `status` and the `trackingUrl`
    /// with a customer token limited to the order (valid until a week after the window).
    static func created(_ order: Data, api: APIContext) throws -> Data {
        let head = try JSON.decode(CreatedHead.self, from: order)
        let windowEnd = Timestamp.parse(head.window.end) ?? Date()
        let ttl = max(3600, windowEnd.timeIntervalSinceNow + 7 * 86400)
        let token = try api.signer.mint(sub: head.customer?.id ?? "", role: .customer, order: head.id, ttl: ttl)
        guard order.first == UInt8(ascii: "{") else { throw PosyError(.internal, "orders replied with no object") }
        let extra = #"{"status":"\#(head.state.rawValue)","trackingUrl":"# + JSON.quoted("\(api.config.publicURL)/t/\(token)") + ","
        return Data(extra.utf8) + order.dropFirst()
    }
}

extension APIContext {
    /// The verified caller of a request, in the form the services take.
    func caller(_ request: Request) throws -> RPCCaller { Viewer.caller(try authenticate(request)) }
}
