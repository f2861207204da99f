import Foundation
import PosySchema

extension LocationService {
    /// Publishes live positions: at most one per courier every `pushInterval` (service clock) and
    /// only after a move of more than `pushDistance` since the last one pushed — or, standing still,
    /// when an order just went out and its customer has had no position yet (a courier waiting at
    /// the lights right after leaving would otherwise be missing from their map), or, with a delivery
    /// under way, `stillInterval` after the last push (so a still courier is not taken for a silent phone). Staff of the shop get
    /// `courier.position` on the shop's topic; each customer of an order out for delivery gets
    /// `order.position` (a ``TrackingView``) on their own topic, for the customer role only.
    func send(_ positions: [LivePosition], now: Date) {
        for p in positions {
            let orders = Set(p.customers.map(\.view.orderId))
            let due = pushed.withLock { marks -> Bool in
                if let m = marks[p.courier.courierId ?? ""] {
                    let moved = Geo.distance(lat1: m.lat, lon1: m.lon, lat2: p.courier.lat, lon2: p.courier.lon) > config.pushDistance
                    let elapsed = now.timeIntervalSince(m.at)
                    let underWay = !(p.courier.orderIds ?? []).isEmpty
                    guard elapsed >= config.pushInterval,
                        moved || !orders.isSubset(of: m.shared) || (underWay && elapsed >= config.stillInterval)
                    else { return false }
                    if !moved {
                        marks[p.courier.courierId ?? ""]?.at = now
                        marks[p.courier.courierId ?? ""]?.shared.formUnion(orders)
                        return true
                    }
                }
                marks[p.courier.courierId ?? ""] = PushMark(at: now, lat: p.courier.lat, lon: p.courier.lon, shared: orders)
                return true
            }
            guard due else {
                metrics.increment("position_pushes_throttled")
                continue
            }
            sendToShop(p)
            for c in p.customers {
                guard let body = try? JSON.encode(c.view) else { continue }
                publish(
                    Topic.user(c.customerId), PushType.orderPosition,
                    UserPush(conversationId: c.conversationId, orderId: c.view.orderId, role: "customer", unread: nil).encode(body: body))
            }
            metrics.increment("position_pushes")
        }
    }

    /// `courier.position` to the shop's staff (their live map).
    func sendToShop(_ p: LivePosition) {
        guard let body = try? JSON.encode(p.courier) else { return }
        publish(
            UserPush.shopTopic(p.shopId), PushType.courierPosition,
            UserPush(conversationId: nil, orderId: nil, role: nil, unread: nil).encode(body: body))
    }
}
