import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// Live location routes, forwarded to `posy-location`, which authorises by the caller:
/// couriers send positions; customers and staff follow an order; staff see their shop's couriers.
enum LocationAPI {
    struct Batch: Codable { var positions: [PositionFix] }
    struct DutyInput: Codable { var onDuty: Bool }

    /// A batch of 10,000 points with speed and heading is about 1.1 MB of JSON.
    static let maxBatchBody = 4 << 20

    static func register(on router: RouteTable, api: APIContext) {
        router.post("v1/locations") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let batch = try await api.body(request, as: Batch.self, limit: maxBatchBody)
                return APIContext.json(try await ingest(api, caller: caller, positions: batch.positions))
            }
        }
        router.get("v1/orders/{id}/tracking") { request, context in
            await api.handle {
                let ref = OrderRef(caller: try api.caller(request), orderId: try context.parameters.require("id"))
                return APIContext.json(try await api.call(LocationRPC.tracking, ref, retries: 1))
            }
        }
        router.get("v1/orders/{id}/track") { request, context in
            await api.handle {
                let ref = OrderRef(caller: try api.caller(request), orderId: try context.parameters.require("id"))
                return APIContext.json(try await api.call(LocationRPC.track, ref, retries: 1))
            }
        }
        router.get("v1/shops/{shop}/couriers/live") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let shop = try context.parameters.require("shop")
                return APIContext.json(try await api.call(LocationRPC.live, ShopRef(caller: caller, shopId: shop), retries: 1))
            }
        }
        router.post("v1/couriers/{id}/duty") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let input = try await api.body(request, as: DutyInput.self)
                return APIContext.json(
                    try await api.call(
                        OrdersRPC.courierDuty,
                        OrdersRPC.DutyRequest(caller: caller, courierId: id, onDuty: input.onDuty)))
            }
        }
    }

    /// `location.ingest` for a courier's batch (also the stream's `loc.batch` frame); posy-location
    /// judges it (size, duty, each point). Sending twice is harmless: repeats are dropped as duplicates.
    static func ingest(_ api: APIContext, caller: RPCCaller, positions: [PositionFix]) async throws -> Data {
        try await api.call(LocationRPC.ingest, LocationRPC.IngestRequest(caller: caller, positions: positions), retries: 1)
    }
}
