import Foundation
import PosyAccess
import PosyCore
import PosyOrdersPolicy
import PosySchema
import PosyStore

extension OrdersService {
    /// States in which a change applies at once; after pickup it needs staff approval.
    static let changeAtOnce: Set<OrderState> = [.placed, .confirmed, .assigned, .accepted]
    static let changeWithApproval: Set<OrderState> = [.pickedUp, .outForDelivery, .arriving]

    /// A customer (their own order) or staff of the shop ask to change address, window or drop-off.
    public func requestChange(orderId: String, _ input: ChangeInput, by viewer: Viewer) async throws -> OrderChange {
        try Self.validate(input)
        let actor = viewer.actor
        let now = self.now
        let events = self.events
        let change = try await store.write { db -> OrderChange in
            guard var order = try Self.load(db, orderId), OrderVisibility.view(order, for: viewer) != nil else {
                throw PosyError(.notFound, "no order \(orderId)")
            }
            guard viewer.isCustomer(order.customer?.id, of: order.id) || viewer.isStaff(of: order.shopId) else {
                throw PosyError(.forbidden, "only the customer or staff change an order")
            }
            // A forwarded link must not redirect the flowers: no address from it, and what it asks
            // waits for the shop whatever the order's state.
            let fromLink = viewer.isTrackingLink
            if fromLink, input.address != nil {
                throw PosyError(.sessionRequired, "changing the address needs the customer's own sign-in, not a tracking link")
            }
            var change = OrderChange(
                id: Self.newId("c"), orderId: order.id, shopId: order.shopId, courierId: order.courierId,
                customerId: order.customer?.id, change: input, state: .pending, requestedBy: actor, requestedAt: now)
            if Self.changeAtOnce.contains(order.state) && !fromLink {
                Self.apply(input, to: &order, byShop: viewer.isStaff(of: order.shopId))
                order.updatedAt = now
                try Self.save(db, order, created: false)
                change.state = .applied
                change.decidedAt = now
                try Self.saveChange(db, change, created: true)
                try events.emit(db, OrdersEvents.changeApplied, change)
            } else if Self.changeWithApproval.contains(order.state) || (fromLink && Self.changeAtOnce.contains(order.state)) {
                try Self.saveChange(db, change, created: true)
                try events.emit(db, OrdersEvents.changeRequested, change)
            } else {
                throw PosyError(.invalidTransition, "an order that is \(order.state.rawValue) cannot change")
            }
            return change
        }
        return OrderVisibility.changeView(change, for: viewer) ?? change
    }

    /// Staff approve (apply) or reject a pending change.
    public func decideChange(
        orderId: String, changeId: String, approve: Bool, reason: String?, by viewer: Viewer
    ) async throws
        -> OrderChange
    {
        let actor = viewer.actor
        let now = self.now
        let events = self.events
        return try await store.write { db -> OrderChange in
            guard var order = try Self.load(db, orderId), viewer.isStaff(of: order.shopId),
                var change = try db.queryOne("SELECT body FROM changes WHERE id = ? AND order_id = ?", changeId, orderId)
                    .map({ try JSON.decode(OrderChange.self, from: $0.data(0)!) })
            else { throw PosyError(.notFound, "no change \(changeId) on order \(orderId)") }
            guard change.state == .pending else { throw PosyError(.invalidTransition, "the change is \(change.state.rawValue)") }
            change.decidedBy = actor
            change.decidedAt = now
            change.reason = reason
            if approve {
                guard Self.changeWithApproval.contains(order.state) || Self.changeAtOnce.contains(order.state) else {
                    throw PosyError(.invalidTransition, "an order that is \(order.state.rawValue) cannot change")
                }
                Self.apply(change.change, to: &order, byShop: true)
                order.updatedAt = now
                try Self.save(db, order, created: false)
                change.state = .applied
            } else {
                change.state = .rejected
            }
            try Self.saveChange(db, change, created: false)
            try events.emit(db, approve ? OrdersEvents.changeApplied : OrdersEvents.changeRejected, change)
            return change
        }
    }

    static func validate(_ c: ChangeInput) throws(PosyError) {
        let set = [c.address != nil, c.window != nil, c.dropOff != nil].filter { $0 }.count
        guard set == 1 else { throw PosyError(.invalidField, "give exactly one of address, window, dropOff") }
        if let a = c.address {
            guard !a.address.trimmingCharacters(in: .whitespaces).isEmpty else { throw PosyError(.invalidField, "address: required") }
            guard a.lat.isFinite, (-90...90).contains(a.lat), a.lon.isFinite, (-180...180).contains(a.lon) else {
                throw PosyError(.invalidField, "address: lat/lon out of range")
            }
        }
        if let w = c.window {
            guard let start = Timestamp.parse(w.start), let end = Timestamp.parse(w.end) else {
                throw PosyError(.invalidField, "window: not RFC 3339 times")
            }
            guard end > start else { throw PosyError(.invalidField, "window: end must be after start") }
        }
        if let d = c.dropOff, d.description.trimmingCharacters(in: .whitespaces).isEmpty {
            throw PosyError(.invalidField, "dropOff.description: say which neighbour or where")
        }
    }

    /// Applies a change. `byShop`: staff asked for it or approved it — only then may a `noDoorstep`
    /// order be left at a safe place.
    static func apply(_ c: ChangeInput, to order: inout Order, byShop: Bool) {
        if let a = c.address {
            order.recipient?.address = a.address
            order.recipient?.lat = a.lat
            order.recipient?.lon = a.lon
        }
        if let w = c.window { order.window = w }
        if var d = c.dropOff {
            d.allowedByShop = byShop
            order.dropOff = d
        }
    }

    static func saveChange(_ db: SQLiteConnection, _ c: OrderChange, created: Bool) throws {
        let body = try JSON.encode(c)
        if created {
            try db.run(
                "INSERT INTO changes(id, order_id, shop_id, state, body) VALUES (?, ?, ?, ?, ?)",
                c.id, c.orderId, c.shopId, c.state.rawValue, body)
        } else {
            try db.run("UPDATE changes SET state = ?, body = ? WHERE id = ?", c.state.rawValue, body, c.id)
        }
    }
}
