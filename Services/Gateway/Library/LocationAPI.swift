import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// Live location routes, forwarded to `posy-location`, which authorises by the caller:
/// couriers send positions; customers and staff follow an order; staff see their shop's couriers.
struct LocationAPI {
    struct DutyInput: Codable { var onDuty: Bool }

    /// A batch of 10,000 points with speed and heading is about 1.1 MB of JSON.
    static let maxBatchBody = 4 << 20

    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        routes.forward(.post, "v1/locations", to: LocationRPC.ingest, via: api, retries: 1) { request, context in
            // The batch as posy-location takes it: read by hand when plain (docs/architecture.md, "Contracts").
            try await JSONBodyDecoder(limit: Self.maxBatchBody).decode(LocationRPC.IngestRequest.self, from: request, context: context)
        }
        routes.forward(.put, "v1/locations/app-state", to: LocationRPC.appState, via: api, retries: 1) { request, context in
            try await request.decode(as: LocationRPC.AppStateRequest.self, context: context)
        }
        routes.forward(.get, "v1/orders/{id}/tracking", to: LocationRPC.tracking, via: api, retries: 1) { _, context in
            OrderRef(orderId: try context.parameters.require("id"))
        }
        routes.forward(.get, "v1/orders/{id}/track", to: LocationRPC.track, via: api, retries: 1) { _, context in
            OrderRef(orderId: try context.parameters.require("id"))
        }
        routes.forward(.get, "v1/shops/{shop}/couriers/live", to: LocationRPC.live, via: api, retries: 1) { _, context in
            ShopRef(shopId: try context.parameters.require("shop"))
        }
        routes.forward(.post, "v1/couriers/{id}/duty", to: OrdersRPC.courierDuty, via: api) { request, context in
            OrdersRPC.DutyRequest(
                courierId: try context.parameters.require("id"),
                onDuty: try await request.decode(as: DutyInput.self, context: context).onDuty)
        }
        // The courier's own consent to location collection, from the courier app (docs/protocol.md, "Privacy").
        routes.forward(.put, "v1/couriers/{id}/consent", to: OrdersRPC.courierConsent, via: api) { request, context in
            let input = try await request.decode(as: ConsentInput.self, context: context)
            return OrdersRPC.ConsentRequest(
                courierId: try context.parameters.require("id"), accepted: input.accepted, version: input.version)
        }
    }

    struct ConsentInput: Codable {
        var accepted: Bool
        var version: String
    }

    /// A courier's batch from the stream's `loc.batch` frame; posy-location judges it (size, duty,
    /// each point) as the HTTP route's `location.ingest`. A courier's live fixes go gathered with
    /// other couriers' (``FixBatcher``); anyone else's frame, and a long one, go on their own.
    /// Sending twice is harmless: repeats are dropped as duplicates.
    static func ingest(_ api: APIContext, viewer: Viewer, positions: [PositionFix]) async throws -> Data {
        if case .user(let courier, .courier, let shop, _) = viewer, !positions.isEmpty, positions.count <= FixBatcher.maxGathered {
            return try await api.fixes.ingest(courier: courier, shop: shop, positions: positions)
        }
        return try await api.call(LocationRPC.ingest, LocationRPC.IngestRequest(positions: positions), as: viewer, retries: 1)
    }
}
