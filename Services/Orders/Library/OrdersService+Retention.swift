import Foundation
import Logging
import PosyAccess
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

/// A shop's own settings, and the retention of contact details (docs/operations.md, "Retention"): phones, addresses and the
/// door's position of an ended order go once its shop's days (else the deployment's) have passed,
/// through the same erasure every store applies, with the scope `contact`.
extension OrdersService {
    /// `orders.shops.retention`: a shop's own retention, within the table's bounds (admins and the shop's managers).
    public func setRetention(shop: String, _ retention: ShopRetention, by viewer: Viewer) async throws -> Shop {
        try retention.validate()
        let events = self.events
        return try await store.write { db -> Shop in
            guard try self.isManager(viewer, of: shop, db) else {
                throw PosyError(.forbidden, "only an admin or a manager of the shop sets its retention")
            }
            guard let body = try db.queryOne("SELECT body FROM shops WHERE id = ?", shop)?.data(0) else {
                throw PosyError(.notFound, "no shop \(shop)")
            }
            var s = try JSON.decode(Shop.self, from: body)
            s.retention = retention.contactDays == nil && retention.chatDays == nil ? nil : retention
            let encoded = try JSON.encode(s)
            try db.run("UPDATE shops SET body = ? WHERE id = ?", encoded, shop)
            try events.emit(db, OrdersEvents.shop, encoded: encoded)
            return s
        }
    }

    /// `orders.shops.location`: where the shop is — its address and WGS-84 position (admins and its
    /// managers). Every service hears it (`fleet.shop`): posy-location's geofences move with it.
    public func setShopLocation(shop: String, address: String, lat: Double, lon: Double, by viewer: Viewer) async throws -> Shop {
        let address = address.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !address.isEmpty, address.count <= 300 else { throw PosyError(.invalidField, "address: 1–300 characters") }
        guard Geo.isValid(lat: lat, lon: lon) else { throw PosyError(.invalidField, "lat/lon out of range") }
        let events = self.events
        return try await store.write { db -> Shop in
            guard try self.isManager(viewer, of: shop, db) else {
                throw PosyError(.forbidden, "only an admin or a manager of the shop moves it")
            }
            guard let body = try db.queryOne("SELECT body FROM shops WHERE id = ?", shop)?.data(0) else {
                throw PosyError(.notFound, "no shop \(shop)")
            }
            var s = try JSON.decode(Shop.self, from: body)
            (s.address, s.lat, s.lon) = (address, lat, lon)
            let encoded = try JSON.encode(s)
            try db.run("UPDATE shops SET body = ? WHERE id = ?", encoded, shop)
            try events.emit(db, OrdersEvents.shop, encoded: encoded)
            return s
        }
    }

    /// Starts the contact erasure of up to `limit` ended orders whose contact retention is over,
    /// one erasure per shop; returns how many orders it took.
    @discardableResult
    public func redactExpiredContacts(limit: Int = 200) async throws -> Int {
        let now = clock()
        let nowText = Timestamp.format(now)
        let fallback = contactRetention
        let instances = erasureInstances()
        let events = self.events
        return try await store.write { db -> Int in
            var taken = 0
            for row in try db.query("SELECT id, body FROM shops ORDER BY id") {
                guard taken < limit, let shopId = row.string(0), let body = row.data(1) else { continue }
                let days = (try? JSON.decode(Shop.self, from: body))?.retention?.contactDays
                let cutoff = Timestamp.format(now.addingTimeInterval(-(days.map { $0 * 86_400 } ?? fallback)))
                let orders = try db.query(
                    """
                    SELECT body FROM orders WHERE shop_id = ? AND contact_redacted = 0 AND updated_at < ?
                      AND state IN ('completed', 'cancelled', 'returned') ORDER BY updated_at LIMIT ?
                    """, shopId, cutoff, limit - taken
                ).map { try JSON.decode(Order.self, from: $0.data(0)!) }
                guard !orders.isEmpty else { continue }
                _ = try self.startErasure(
                    db, id: Self.newId("er"), orders: orders, scope: .contact, shopId: shopId, subject: "retention",
                    requestedBy: "service:orders", now: nowText, instances: instances, events: events)
                taken += orders.count
            }
            return taken
        }
    }

    /// Runs ``redactExpiredContacts(limit:)`` hourly (and again at once while a pass fills its limit).
    public func retentionService(logger: Logger) -> some Service { RetentionLoop(service: self, logger: logger) }

    struct RetentionLoop: Service {
        let service: OrdersService
        let logger: Logger

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    var full = false
                    do {
                        let n = try await service.redactExpiredContacts()
                        if n > 0 { logger.info("contact details past retention erased", metadata: ["orders": "\(n)"]) }
                        full = n >= 200
                    } catch {
                        logger.error("contact retention failed", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: full ? .seconds(1) : .seconds(3600))
                }
            }
        }
    }
}
