import Foundation
import PosyAccess
import PosySchema

/// Need-to-know for what the orders service publishes: which viewer may see a durable event on
/// their stream, and what of it. The gateway asks this for every event and every open stream.
///
/// - `order.<state>`: whoever may see the order (``OrderVisibility/view(_:for:now:)``), with their
///   view of the order snapshot the event carries. A courier replaying an event older than the
///   contact grace gets no recipient contact from it (the current order is one GET away).
/// - `order.change.*`: staff of the shop, the order's courier and the customer whose order it is.
/// - `exception.*`: staff of the shop and the courier assigned when it was opened — not customers
///   (the courier's notes are for the shop; customers hear about delays through notifications).
/// - `order.assignment.unacknowledged`: staff of the shop.
///
/// Customers never see who acted by id (`courier:c7` reads `courier`), so the courier's id stays hidden.
extension OrderVisibility {
    public static func event(_ envelope: Envelope, for viewer: Viewer, now: Date = Date()) -> Data? {
        if case .service = viewer { return envelope.data }
        let type = envelope.type
        if type.hasPrefix(OrdersEvents.changePrefix) {
            guard let change = try? envelope.decode(OrderChange.self) else { return nil }
            return changeView(change, for: viewer).flatMap { try? JSON.encode($0) }
        }
        if type.hasPrefix(OrdersEvents.exceptionPrefix) {
            guard let e = try? envelope.decode(OrderException.self),
                viewer.isStaff(of: e.shopId) || viewer.isCourier(e.courierId, of: e.shopId)
            else { return nil }
            return envelope.data
        }
        if type == OrdersEvents.assignmentUnacknowledged.topic {
            guard let a = try? envelope.decode(AssignmentUnacknowledged.self), viewer.isStaff(of: a.shopId) else {
                return nil
            }
            return envelope.data
        }
        if type.hasPrefix(OrdersEvents.prefix) {
            guard let e = try? envelope.decode(OrderEvent.self) else { return nil }
            return orderEventView(e, for: viewer, now: now).flatMap { try? JSON.encode($0) }
        }
        return nil
    }

    /// Who an event may concern (``EventAudience``), decided once per event: the parties
    /// ``event(_:for:now:)`` can show it to.
    public static func audience(_ envelope: Envelope) -> EventAudience {
        let type = envelope.type
        if type.hasPrefix(OrdersEvents.changePrefix) {
            guard let c = try? envelope.decode(OrderChange.self) else { return .nobody }
            return EventAudience(shop: c.shopId, users: [c.courierId, c.customerId])
        }
        if type.hasPrefix(OrdersEvents.exceptionPrefix) {
            guard let e = try? envelope.decode(OrderException.self) else { return .nobody }
            return EventAudience(shop: e.shopId, users: [e.courierId])
        }
        if type == OrdersEvents.assignmentUnacknowledged.topic {
            guard let a = try? envelope.decode(AssignmentUnacknowledged.self) else { return .nobody }
            return EventAudience(shop: a.shopId)
        }
        if type.hasPrefix(OrdersEvents.prefix) {
            guard let e = try? envelope.decode(OrderEvent.self) else { return .nobody }
            guard let order = e.order else { return EventAudience(shop: e.shopId) }
            return EventAudience(shop: order.shopId, users: [order.customer?.id, order.courierId])
        }
        return .nobody
    }

    static func orderEventView(_ e: OrderEvent, for viewer: Viewer, now: Date) -> OrderEvent? {
        guard let order = e.order else {
            // An event without its snapshot (written before snapshots existed): staff only.
            return viewer.isStaff(of: e.shopId) ? e : nil
        }
        guard var view = OrderVisibility.view(order, for: viewer, now: now) else { return nil }
        var out = e
        if case .user(_, .courier, _, _) = viewer,
            let at = Timestamp.parse(e.at), now.timeIntervalSince(at) > courierContactGrace
        {
            view.recipient = view.recipient.map { OrderRecipient(name: $0.name, phone: nil, address: nil, lat: nil, lon: nil) }
        }
        out.order = view
        if case .user(_, .customer, _, _) = viewer {
            out.courierId = nil
            out.actor = actor(e.actor, for: viewer)
            // Who was assigned, and why a courier declined, are the shop's business.
            if e.state == .assigned || e.state == .confirmed { out.detail = nil }
        }
        return out
    }

    package static func changeView(_ c: OrderChange, for viewer: Viewer) -> OrderChange? {
        if viewer.isStaff(of: c.shopId) || viewer.isCourier(c.courierId, of: c.shopId) { return c }
        guard viewer.isCustomer(c.customerId, of: c.orderId) else { return nil }
        var out = c
        out.courierId = nil
        out.requestedBy = actor(c.requestedBy, for: viewer)
        out.decidedBy = c.decidedBy.map { actor($0, for: viewer) }
        return out
    }

    /// How an actor (`role:id`) reads to `viewer`: customers see other people by role only.
    public static func actor(_ actor: String, for viewer: Viewer) -> String {
        guard case .user(let sub, .customer, _, _) = viewer else { return actor }
        if actor == "customer:\(sub)" || actor.hasPrefix("service:") { return actor }
        return String(actor.prefix { $0 != ":" })
    }

    /// A timeline entry as `viewer` reads it (customers: actors by role, no courier id in details).
    public static func timelineEntry(_ entry: TimelineEntry, for viewer: Viewer) -> TimelineEntry {
        guard case .user(_, .customer, _, _) = viewer else { return entry }
        var out = entry
        out.actor = actor(entry.actor, for: viewer)
        if entry.state == .assigned || entry.state == .confirmed { out.detail = nil }
        return out
    }
}
