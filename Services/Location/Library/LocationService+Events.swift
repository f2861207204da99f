import Foundation
import PosyCore
import PosySchema
import PosyStore

extension LocationService {
    /// What posy-location learns from posy-orders' durable events, applied exactly once inside the
    /// transaction that advances its cursor: where shops are, which couriers are on duty with what
    /// vehicle, and every order's courier, state, recipient and window.
    public func registerEventHandlers(on host: ServiceHost) {
        host.on(OrdersEvents.shop) { db, shop in try self.applyShop(db, shop) }
        host.on(OrdersEvents.courier) { db, courier in try self.applyCourier(db, courier) }
        host.on(OrdersEvents.prefix) { db, envelope in try self.applyOrderEvent(db, envelope) }
    }

    func applyShop(_ db: SQLiteConnection, _ shop: Shop) throws {
        try db.run(
            "INSERT INTO shops(id, lat, lon) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon",
            shop.id, shop.lat, shop.lon)
    }

    func applyCourier(_ db: SQLiteConnection, _ c: Courier) throws {
        let was = try CourierRow.load(db, c.id)
        try db.run(
            """
            INSERT INTO couriers(id, shop_id, vehicle, on_duty) VALUES (?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET shop_id = excluded.shop_id, vehicle = excluded.vehicle, on_duty = excluded.on_duty
            """, c.id, c.shopId, c.vehicle.rawValue, c.onDuty)
        if was?.onDuty == true && !c.onDuty {
            // Off duty: the staff's live map drops them now; nobody is shown where they are any more.
            let body = (try? JSON.encode(["courierId": c.id])) ?? Data()
            db.onCommit {
                self.pushed.withLock { $0[c.id] = nil }
                self.tracks.withLock { $0[c.id] = nil }
                self.publish(
                    UserPush.shopTopic(c.shopId), PushType.courierOffDuty,
                    UserPush(conversationId: nil, orderId: nil, role: nil, unread: nil).encode(body: body))
            }
        }
    }

    func applyOrderEvent(_ db: SQLiteConnection, _ envelope: Envelope) throws {
        if envelope.type == OrdersEvents.changeApplied.topic { return try applyChange(db, envelope) }
        guard envelope.type.hasPrefix(OrdersEvents.prefix), let state = OrderState(rawValue: String(envelope.type.dropFirst(6))) else {
            return
        }
        let event = try envelope.decode(OrderEvent.self)
        guard let order = event.order else { return }
        let at = eventTime(event.at)
        var d = try DeliveryRow.load(db, order.id) ?? DeliveryRow(order, config: config)
        if d.courierId != order.courierId {
            // A new courier (or none): their delivery starts over.
            d = DeliveryRow(order, config: config)
            d.courierId = order.courierId
            d.assignedAt = order.courierId == nil ? nil : at
        }
        d.state = state
        d.vehicle = order.courier?.vehicle
        d.destLat = order.recipient?.lat
        d.destLon = order.recipient?.lon
        d.windowEnd = order.window.end
        d.customerId = order.customer?.id
        switch state {
        case .pickedUp:
            d.startedAt = d.startedAt ?? at
            if d.shopFence == nil, let shop = try db.queryOne("SELECT lat, lon FROM shops WHERE id = ?", order.shopId),
                shop.double(0) != nil
            {
                var fence = GeofenceCrossing(radius: config.shopRadius)
                fence.start(inside: true)
                d.shopFence = fence
            }
        case .outForDelivery:
            d.startedAt = d.startedAt ?? at
            d.departedAt = d.departedAt ?? at
            d.departedSent = true
            // The silence watch starts at departure.
            d.lastHeard = max(d.lastHeard ?? 0, clock().timeIntervalSince1970)
        case .arriving:
            d.arrivingSent = true
        case .delivered, .failed, .returned, .cancelled, .completed:
            if d.endedAt == nil {
                d.endedAt = at
                if let courier = d.courierId, let from = d.startedAt {
                    d.trackMeters = try Self.trackDistance(db, courier: courier, from: from, until: at).rounded()
                }
                if state == .delivered { try learnCorrection(db, d, deliveredAt: at) }
            }
        default:
            break
        }
        try d.save(db)
        metrics.increment("deliveries_updated")
    }

    /// An applied change of address or window moves the goal posts: the arrival geofence starts over
    /// at the new address, the delay check uses the new window.
    func applyChange(_ db: SQLiteConnection, _ envelope: Envelope) throws {
        let change = try envelope.decode(OrderChange.self)
        guard var d = try DeliveryRow.load(db, change.orderId) else { return }
        if let a = change.change.address {
            d.destLat = a.lat
            d.destLon = a.lon
            d.arrivalFence = GeofenceCrossing(radius: config.arrivalRadius, once: true, firstFixEnters: true)
            d.nearFence = GeofenceCrossing(radius: config.stuckRadius, firstFixEnters: true)
            d.arrivingSent = false
            d.nearSince = nil
            d.stuckSent = false
        }
        if let w = change.change.window {
            d.windowEnd = w.end
            d.riskActive = false
            d.riskLateBy = nil
        }
        try d.save(db)
    }

    /// How this delivery's time compared to its prediction at departure, folded into the shop's
    /// ratio: a running mean over the first five deliveries, then an exponential average (α 0.2).
    func learnCorrection(_ db: SQLiteConnection, _ d: DeliveryRow, deliveredAt: Double) throws {
        guard let departed = d.departedAt, let predicted = d.predictedAtDeparture, predicted > 0, deliveredAt > departed else { return }
        let sample = min(max((deliveredAt - departed) / predicted, 0.25), 4)
        let row = try db.queryOne("SELECT ratio, samples FROM shop_corrections WHERE shop_id = ?", d.shopId)
        let (ratio, n) = (row?.double(0) ?? 1, row?.int(1) ?? 0)
        let next = ratio + (sample - ratio) / Double(min(n + 1, 5))
        try db.run(
            """
            INSERT INTO shop_corrections(shop_id, ratio, samples) VALUES (?,?,?)
            ON CONFLICT(shop_id) DO UPDATE SET ratio = excluded.ratio, samples = excluded.samples
            """, d.shopId, next, n + 1)
    }
}
