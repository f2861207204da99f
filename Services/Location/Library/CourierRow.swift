import Foundation
import PosySchema
import PosyStore

/// A courier as posy-location knows them (from `fleet.courier`) with their latest kept fix.
struct CourierRow: Sendable {
    var id: String
    var shopId: String
    var vehicle: Vehicle
    var onDuty: Bool
    var last: PositionFilter.Anchor?
    var lastSpeed: Double?
    var lastHeading: Double?
    /// The courier's app said it went to the background (and has not come back).
    var appInBackground = false

    static func load(_ db: SQLiteConnection, _ id: String) throws -> CourierRow? {
        guard
            let r = try db.queryOne(
                """
                SELECT id, shop_id, vehicle, on_duty, last_t, last_lat, last_lon, last_accuracy, last_speed, last_heading,
                  app_background
                FROM couriers WHERE id = ?
                """, id)
        else { return nil }
        return CourierRow(r)
    }

    static func onDuty(_ db: SQLiteConnection, shop: String) throws -> [CourierRow] {
        try db.query(
            """
            SELECT id, shop_id, vehicle, on_duty, last_t, last_lat, last_lon, last_accuracy, last_speed, last_heading,
              app_background
            FROM couriers WHERE shop_id = ? AND on_duty = 1 ORDER BY id
            """, shop
        ).map(CourierRow.init)
    }

    init(id: String, shopId: String, vehicle: Vehicle, onDuty: Bool) {
        self.id = id
        self.shopId = shopId
        self.vehicle = vehicle
        self.onDuty = onDuty
    }

    init(_ r: SQLRow) {
        id = r.string(0) ?? ""
        shopId = r.string(1) ?? ""
        vehicle = r.string(2).flatMap(Vehicle.init(rawValue:)) ?? .bike
        onDuty = r.int(3) == 1
        if let t = r.double(4), let lat = r.double(5), let lon = r.double(6) {
            last = PositionFilter.Anchor(time: Date(timeIntervalSince1970: t), lat: lat, lon: lon, accuracy: r.double(7) ?? 0)
        }
        lastSpeed = r.double(8)
        lastHeading = r.double(9)
        appInBackground = r.int(10) == 1
    }

    /// The latest fix (or `fix`, newer than the stored one) as the API shows it.
    func position(now: Date, fix: PositionFilter.Kept? = nil, orderIds: [String]? = nil) -> CourierPosition? {
        var p: CourierPosition
        if let fix {
            p = Self.position(
                id, time: fix.time, lat: fix.fix.lat, lon: fix.fix.lon, accuracy: fix.fix.accuracy,
                speed: fix.fix.speed, heading: fix.fix.heading, now: now, orderIds: orderIds)
        } else if let last {
            p = Self.position(
                id, time: last.time, lat: last.lat, lon: last.lon, accuracy: last.accuracy, speed: lastSpeed,
                heading: lastHeading, now: now, orderIds: orderIds)
        } else {
            return nil
        }
        // A fresh fix means the app is running in front, whatever it said before.
        if appInBackground && fix == nil { p.appInBackground = true }
        return p
    }

    /// One fix of courier `id` as the API shows it, aged against `now`.
    static func position(
        _ id: String, time: Date, lat: Double, lon: Double, accuracy: Double, speed: Double?, heading: Double?,
        now: Date, orderIds: [String]? = nil
    ) -> CourierPosition {
        CourierPosition(
            courierId: id, lat: lat, lon: lon, accuracy: accuracy, speed: speed, heading: heading, at: Timestamp.format(time),
            ageSeconds: max(0, now.timeIntervalSince(time)).rounded(), orderIds: orderIds)
    }
}
