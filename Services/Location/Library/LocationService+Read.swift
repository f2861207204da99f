import Foundation
import PosyAccess
import PosySchema
import PosyStore

extension LocationService {
    /// `location.tracking`: the order's courier's last position, its age, the distance to the
    /// recipient and the ETA. Staff of the shop always (the position up to the delivery's end); the
    /// courier of the order; the customer only while the order is out for delivery, and only
    /// positions from after it left the shop. Anyone else, and an off-duty courier's position: nothing.
    public func tracking(_ r: LocationRPC.OrderRef, for viewer: Viewer) async throws -> TrackingView {
        let now = clock()
        return try await store.read { db in
            guard let d = try DeliveryRow.load(db, r.orderId) else { throw PosyError(.notFound, "no order \(r.orderId)") }
            let isStaff = viewer.isStaff(of: d.shopId) || viewer.isService
            let isCourier = viewer.isCourier(d.courierId, of: d.shopId)
            let isCustomer = viewer.isCustomer(d.customerId, of: d.orderId)
            guard isStaff || isCourier || (isCustomer && d.isShared) else {
                throw PosyError(
                    .notFound,
                    isCustomer
                        ? "the courier's position is shown while the order is out for delivery"
                        : "no order \(r.orderId)")
            }
            var position: CourierPosition?
            if let c = try d.courierId.flatMap({ try CourierRow.load(db, $0) }), c.onDuty || d.endedAt != nil {
                let from = isCustomer && !isStaff ? (d.departedAt ?? d.startedAt) : nil
                position = try Self.lastFix(db, c, from: from, until: d.endedAt, now: now)
            }
            return Self.view(d, position: position, now: now)
        }
    }

    /// The courier's latest fix in `[from, until]`.
    static func lastFix(_ db: SQLiteConnection, _ c: CourierRow, from: Double?, until: Double?, now: Date) throws -> CourierPosition? {
        if until == nil, let last = c.last, from.map({ last.time.timeIntervalSince1970 >= $0 }) ?? true { return c.position(now: now) }
        guard
            let r = try db.queryOne(
                """
                SELECT t, lat, lon, accuracy, speed, heading FROM positions WHERE courier_id = ? AND t >= ? AND t <= ? ORDER BY t DESC LIMIT 1
                """, c.id, from ?? 0, until ?? Double.greatestFiniteMagnitude), let t = r.double(0)
        else { return nil }
        return CourierRow.position(
            c.id, time: Date(timeIntervalSince1970: t), lat: r.double(1)!, lon: r.double(2)!, accuracy: r.double(3)!,
            speed: r.double(4), heading: r.double(5), now: now)
    }

    /// `location.track`: the route of one delivery, pickup to end (or now): staff of the shop and
    /// services (the evidence bundle passes the staff member's caller on).
    public func track(_ r: LocationRPC.OrderRef, for viewer: Viewer) async throws -> DeliveryTrack {
        return try await store.read { db in
            guard let d = try DeliveryRow.load(db, r.orderId), viewer.isStaff(of: d.shopId) || viewer.isService else {
                throw PosyError(.notFound, "no order \(r.orderId)")
            }
            guard let courier = d.courierId, let from = d.startedAt else {
                return DeliveryTrack(orderId: d.orderId, courierId: d.courierId, from: nil, until: nil, points: [], distanceMeters: 0)
            }
            let until = d.endedAt
            let rows = try db.query(
                """
                SELECT t, lat, lon, accuracy, speed, heading, received FROM positions WHERE courier_id = ? AND t >= ? AND t <= ? ORDER BY t
                """, courier, from, until ?? Double.greatestFiniteMagnitude)
            var distance = 0.0
            var previous: (Double, Double)?
            let points = rows.map { r -> TrackPoint in
                let (lat, lon) = (r.double(1)!, r.double(2)!)
                if let p = previous { distance += Geo.distance(lat1: p.0, lon1: p.1, lat2: lat, lon2: lon) }
                previous = (lat, lon)
                let taken = Date(timeIntervalSince1970: r.double(0)!)
                return TrackPoint(
                    lat: lat, lon: lon, accuracy: r.double(3)!, speed: r.double(4), heading: r.double(5), at: taken,
                    receivedAt: r.double(6).map { Date(timeIntervalSince1970: $0) } ?? taken)
            }
            // Past the positions' retention only the summary written at the end is left.
            return DeliveryTrack(
                orderId: d.orderId, courierId: courier, from: Timestamp.format(Date(timeIntervalSince1970: from)),
                until: until.map { Timestamp.format(Date(timeIntervalSince1970: $0)) }, points: points,
                distanceMeters: points.isEmpty ? (d.trackMeters ?? 0) : distance.rounded())
        }
    }

    /// Metres along `courier`'s positions from `from` to `until`.
    static func trackDistance(_ db: SQLiteConnection, courier: String, from: Double, until: Double) throws -> Double {
        var distance = 0.0
        var previous: (Double, Double)?
        for r in try db.query("SELECT lat, lon FROM positions WHERE courier_id = ? AND t >= ? AND t <= ? ORDER BY t", courier, from, until)
        {
            guard let lat = r.double(0), let lon = r.double(1) else { continue }
            if let p = previous { distance += Geo.distance(lat1: p.0, lon1: p.1, lat2: lat, lon2: lon) }
            previous = (lat, lon)
        }
        return distance
    }

    /// `location.live`: the shop's on-duty couriers with their last position and orders under way
    /// (staff of the shop). Off-duty couriers are not there.
    public func live(_ r: LocationRPC.ShopRef, for viewer: Viewer) async throws -> [CourierPosition] {
        guard viewer.isStaff(of: r.shopId) else { throw PosyError(.notFound, "no shop \(r.shopId)") }
        let now = clock()
        return try await store.read { db in
            var orders: [String: [String]] = [:]
            for row in try db.query(DeliveryRow.activeByShop, r.shopId) {
                if let c = row.string(0), let o = row.string(1) { orders[c, default: []].append(o) }
            }
            return try CourierRow.onDuty(db, shop: r.shopId).compactMap { courier -> CourierPosition? in
                guard var p = courier.position(now: now, orderIds: (orders[courier.id] ?? []).sorted()) else { return nil }
                if p.orderIds?.isEmpty == false { p.arrivals = Self.arrivals(try DeliveryRow.active(db, courier: courier.id)) }
                return p
            }
        }
    }
}
