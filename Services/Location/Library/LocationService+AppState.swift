import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosyStore

extension LocationService {
    /// `location.appState`: the courier's own app went to the background or came back. The shop's
    /// live map hears it at once, with the last position; a fix arriving later says "in front" by
    /// itself (docs/architecture.md, "Location").
    public func appState(_ r: LocationRPC.AppStateRequest, for viewer: Viewer) async throws -> CourierAppState {
        guard case .user(let courierId, .courier, let shop, _) = viewer else {
            throw PosyError(.forbidden, "only a courier's own app reports its state")
        }
        let now = clock()
        let background = r.state == .background
        let push = try await store.write { db -> LivePosition? in
            guard var courier = try CourierRow.load(db, courierId), courier.shopId == shop else {
                throw PosyError(.notFound, "no courier \(courierId)")
            }
            try db.run(
                "UPDATE couriers SET app_background = ?, app_state_at = ? WHERE id = ?", background ? 1 : 0, now.timeIntervalSince1970,
                courierId)
            guard courier.onDuty, courier.appInBackground != background else { return nil }
            courier.appInBackground = background
            let deliveries = try DeliveryRow.active(db, courier: courierId)
            guard var p = courier.position(now: now, orderIds: deliveries.map(\.orderId).sorted()) else { return nil }
            p.arrivals = Self.arrivals(deliveries)
            return LivePosition(shopId: courier.shopId, courier: p, customers: [])
        }
        metrics.increment("courier_app_\(r.state.rawValue)")
        if let push { sendToShop(push) }
        return CourierAppState(state: r.state, at: Timestamp.format(now))
    }
}
