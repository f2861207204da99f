import Foundation
import Logging
import PosyAccess
import PosyCore
import PosySchema
import PosyStore

extension OrdersService {
    /// Puts a courier on or off duty: the courier themselves, or staff of their shop. The change and
    /// its durable `fleet.courier` event commit together; posy-location takes positions only from
    /// couriers on duty and shows nobody an off-duty courier.
    public func setDuty(_ courierId: String, onDuty: Bool, by viewer: Viewer) async throws -> Courier {
        let events = self.events
        return try await store.write { db in
            guard let body = try db.queryOne("SELECT body FROM couriers WHERE id = ?", courierId)?.data(0) else {
                throw PosyError(.notFound, "no courier \(courierId)")
            }
            var courier = try JSON.decode(Courier.self, from: body)
            guard viewer.isCourier(courier.id, of: courier.shopId) || viewer.isStaff(of: courier.shopId) else {
                throw PosyError(.notFound, "no courier \(courierId)")
            }
            guard courier.onDuty != onDuty else { return courier }
            if onDuty, self.consentMode == .app, courier.locationConsent?.version != CourierConsent.currentVersion {
                // Nobody puts a courier on duty, so on the map, before they agreed (docs/protocol.md, "Privacy").
                throw PosyError(.consentRequired, "the courier has not agreed to location collection in the courier app")
            }
            courier.onDuty = onDuty
            let data = try JSON.encode(courier)
            try db.run("UPDATE couriers SET body = ? WHERE id = ?", data, courier.id)
            try events.emit(db, OrdersEvents.courier, encoded: data)
            return courier
        }
    }

    /// `orders.couriers.consent`: the courier themselves agrees to location collection (the version
    /// of the explanation they read) or withdraws, which takes them off duty at once.
    public func setConsent(_ courierId: String, accepted: Bool, version: String, by viewer: Viewer) async throws -> Courier {
        let events = self.events
        let now = self.now
        return try await store.write { db in
            guard let body = try db.queryOne("SELECT body FROM couriers WHERE id = ?", courierId)?.data(0) else {
                throw PosyError(.notFound, "no courier \(courierId)")
            }
            var courier = try JSON.decode(Courier.self, from: body)
            guard viewer.isCourier(courier.id, of: courier.shopId) else {
                if viewer.isStaff(of: courier.shopId) { throw PosyError(.forbidden, "only the courier consents, in their own app") }
                throw PosyError(.notFound, "no courier \(courierId)")
            }
            if accepted {
                guard version == CourierConsent.currentVersion else {
                    throw PosyError(.invalidField, "version: the current explanation is \(CourierConsent.currentVersion)")
                }
                guard courier.locationConsent?.version != version else { return courier }
                courier.locationConsent = CourierConsent(version: version, at: now)
            } else {
                guard courier.locationConsent != nil || courier.onDuty else { return courier }
                courier.locationConsent = nil
                courier.onDuty = false
            }
            let data = try JSON.encode(courier)
            try db.run("UPDATE couriers SET body = ? WHERE id = ?", data, courier.id)
            try events.emit(db, OrdersEvents.courier, encoded: data)
            return courier
        }
    }

    /// What posy-orders does with posy-location's durable events, exactly once inside the
    /// transaction that advances its cursor: a courier who left the shop's geofence with the order
    /// picked up is out for delivery; one within the arrival radius is arriving. The order may have
    /// moved on meanwhile (the courier pressed "depart" themselves, it was delivered): the
    /// state machine refuses and the event is logged, not applied.
    public func registerLocationHandlers(on host: ServiceHost) {
        let logger = host.logger
        host.on(LocationEvents.departed) { db, envelope, alert in
            guard let order = try Self.load(db, alert.orderId), order.state == .pickedUp else { return }
            try self.apply(db, alert.orderId, to: .outForDelivery, event: envelope, logger: logger)
        }
        host.on(LocationEvents.arriving) { db, envelope, alert in
            guard let order = try Self.load(db, alert.orderId) else { return }
            // Topics have their own cursors: after a gap `arriving` may be applied before `departed`.
            if order.state == .pickedUp {
                try self.apply(db, alert.orderId, to: .outForDelivery, event: envelope, logger: logger)
            }
            guard try Self.load(db, alert.orderId)?.state == .outForDelivery else { return }
            try self.apply(db, alert.orderId, to: .arriving, event: envelope, logger: logger)
        }
    }
}
