import Foundation
import PosyAccess
import PosyCore
import PosyOrdersPolicy
import PosySchema
import PosyStore

extension OrdersService {
    /// Opens an exception on an order (its assigned courier, or staff of its shop). Unacknowledged
    /// after `ackTimeout` it escalates (`exception.escalated`).
    public func openException(
        orderId: String, kind: ExceptionKind, note: String?, lat: Double? = nil, lon: Double? = nil,
        mediaIds: [String] = [], clientId: String? = nil, by viewer: Viewer
    ) async throws -> OrderException {
        if let clientId, clientId.isEmpty || clientId.utf8.count > 100 || !clientId.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            throw PosyError(.invalidField, "clientId: 1–100 printable ASCII characters")
        }
        if let lat, !(lat.isFinite && (-90...90).contains(lat)) { throw PosyError(.invalidField, "lat: must be -90…90") }
        if let lon, !(lon.isFinite && (-180...180).contains(lon)) { throw PosyError(.invalidField, "lon: must be -180…180") }
        if (lat == nil) != (lon == nil) { throw PosyError(.invalidField, "lat and lon go together") }
        if let note, note.count > 4_000 { throw PosyError(.invalidField, "note: at most 4000 characters") }
        let actor = viewer.actor
        let now = self.now
        let deadline = clock().addingTimeInterval(ackTimeout).timeIntervalSince1970
        let events = self.events
        return try await store.write { db -> OrderException in
            guard let order = try Self.load(db, orderId), OrderVisibility.view(order, for: viewer) != nil else {
                throw PosyError(.notFound, "no order \(orderId)")
            }
            guard viewer.isCourier(order.courierId, of: order.shopId) || viewer.isStaff(of: order.shopId) else {
                throw PosyError(.forbidden, "only the assigned courier or staff report exceptions")
            }
            // A resend of a report already taken is that report, as it stands now — nothing twice.
            let key = clientId.map { "\(actor)|\($0)" }
            if let key,
                let body = try db.queryOne("SELECT body FROM exceptions WHERE order_id = ? AND client_key = ?", order.id, key)?.data(0)
            {
                return try JSON.decode(OrderException.self, from: body)
            }
            guard !order.state.isTerminal else {
                throw PosyError(.invalidTransition, "the order is \(order.state.rawValue)")
            }
            var e = OrderException(
                id: Self.newId("x"), orderId: order.id, shopId: order.shopId, courierId: order.courierId,
                kind: kind, note: note,
                lat: lat, lon: lon, mediaIds: mediaIds, openedBy: actor, openedAt: now)
            e.clientId = clientId
            try db.run(
                "INSERT INTO exceptions(id, order_id, shop_id, state, body, client_key) VALUES (?, ?, ?, ?, ?, ?)",
                e.id, e.orderId, e.shopId, e.state.rawValue, try JSON.encode(e), key)
            try self.armTimer(db, kind: "exception-ack", ref: e.id, arg: nil, due: deadline)
            try events.emit(db, OrdersEvents.exceptionOpened, e)
            return e
        }
    }

    /// Staff acknowledge an open exception.
    public func acknowledgeException(_ id: String, by viewer: Viewer) async throws -> OrderException {
        try await updateException(id, by: viewer) { e, actor, now in
            guard e.state == .open else { throw PosyError(.invalidTransition, "the exception is \(e.state.rawValue)") }
            e.state = .acknowledged
            e.acknowledgedBy = actor
            e.acknowledgedAt = now
            return OrdersEvents.exceptionAcknowledged
        }
    }

    /// Staff resolve an acknowledged exception.
    public func resolveException(
        _ id: String, resolution: ExceptionResolution, note: String?, by viewer: Viewer
    ) async throws
        -> OrderException
    {
        try await updateException(id, by: viewer) { e, actor, now in
            guard e.state == .acknowledged else {
                throw PosyError(.invalidTransition, e.state == .open ? "acknowledge the exception first" : "the exception is resolved")
            }
            e.state = .resolved
            e.resolution = resolution
            e.resolutionNote = note
            e.resolvedBy = actor
            e.resolvedAt = now
            return OrdersEvents.exceptionResolved
        }
    }

    func updateException(
        _ id: String, by viewer: Viewer,
        _ change: @escaping @Sendable (inout OrderException, String, String) throws -> EventType<OrderException>
    ) async throws
        -> OrderException
    {
        let actor = viewer.actor
        let now = self.now
        let events = self.events
        return try await store.write { db -> OrderException in
            guard var e = try Self.loadException(db, id), viewer.isStaff(of: e.shopId) else {
                throw PosyError(.notFound, "no exception \(id)")
            }
            let event = try change(&e, actor, now)
            try Self.saveException(db, e)
            try events.emit(db, event, e)
            return e
        }
    }

    static func loadException(_ db: SQLiteConnection, _ id: String) throws -> OrderException? {
        try db.queryOne("SELECT body FROM exceptions WHERE id = ?", id).map { try JSON.decode(OrderException.self, from: $0.data(0)!) }
    }

    static func saveException(_ db: SQLiteConnection, _ e: OrderException) throws {
        try db.run("UPDATE exceptions SET state = ?, body = ? WHERE id = ?", e.state.rawValue, try JSON.encode(e), e.id)
    }

    /// Unresolved exceptions and pending changes of `shop` (at most 500 of each, oldest first).
    public func attention(shop: String, for viewer: Viewer) async throws -> Attention {
        guard viewer.isStaff(of: shop) else { throw PosyError(.notFound, "no shop \(shop)") }
        return try await store.read { db in
            let exceptions = try db.query(
                "SELECT body FROM exceptions WHERE shop_id = ? AND state != 'resolved' ORDER BY json_extract(body, '$.openedAt') LIMIT 500",
                shop
            ).map { try JSON.decode(OrderException.self, from: $0.data(0) ?? Data()) }
            let changes = try db.query(
                "SELECT body FROM changes WHERE shop_id = ? AND state = 'pending' ORDER BY json_extract(body, '$.requestedAt') LIMIT 500",
                shop
            ).map { try JSON.decode(OrderChange.self, from: $0.data(0) ?? Data()) }
            return Attention(exceptions: exceptions, changes: changes)
        }
    }
}
