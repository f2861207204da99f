import Foundation
import PosyAccess
import PosyCore
import PosyOrdersPolicy
import PosySchema
import PosyStore

/// The orders domain over `orders.db`: shops, couriers, orders, their timeline. Every state change
/// writes the order, its timeline entry and its durable `order.<state>` event in one transaction.
public final class OrdersService: Sendable {
    let store: Store
    let events: EventLog
    /// Messaging shards new conversations are spread over (docs/architecture.md, "Messaging").
    let shards: [Int]
    /// How long an assigned courier has to accept before `order.assignment.unacknowledged`.
    let acceptTimeout: TimeInterval
    /// How long an exception may stay unacknowledged before `exception.escalated`.
    let ackTimeout: TimeInterval
    /// The service's clock (tests drive it; timers compare against it).
    let clock: @Sendable () -> Date
    /// Wakes the timer loop when a timer is armed (it sleeps until the next one is due).
    let timerWake = ChangeSignal()
    /// How long after an order ended its phones and address are kept, unless its shop says otherwise.
    let contactRetention: TimeInterval
    /// Who collects couriers' consent to location collection.
    let consentMode: LocationConsentMode
    /// Whether couriers call recipients through a masked-number provider (new orders say so).
    let maskedCalls: Bool

    public init(
        store: Store, events: EventLog, shards: [Int] = [1], acceptTimeout: TimeInterval = 180,
        ackTimeout: TimeInterval = 300, contactRetention: TimeInterval = 30 * 86_400, consentMode: LocationConsentMode = .external,
        maskedCalls: Bool = false, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.maskedCalls = maskedCalls
        self.contactRetention = contactRetention
        self.consentMode = consentMode
        precondition(!shards.isEmpty, "at least one messaging shard")
        self.store = store
        self.events = events
        self.shards = shards
        self.acceptTimeout = acceptTimeout
        self.ackTimeout = ackTimeout
        self.clock = clock
    }

    var now: String { Timestamp.format(clock()) }

    static func newId(_ prefix: String) -> String { RecordID.make(prefix) }

    /// The shard of a new order's conversation: stable per order id, spread over the shard set.
    func shard(for orderId: String) -> Int {
        var h: UInt64 = 1_469_598_103_934_665_603
        for b in orderId.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return shards[Int(h % UInt64(shards.count))]
    }

    // MARK: Shops and couriers

    public func createShop(_ shop: Shop, by viewer: Viewer) async throws -> Shop {
        guard case .user(_, .admin, _, _) = viewer else { throw PosyError(.forbidden, "only an admin creates shops") }
        var s = shop
        if s.id.isEmpty { s.id = Self.newId("s") }
        guard !s.name.isEmpty else { throw PosyError(.invalidField, "name: required") }
        guard s.lat.isFinite, (-90...90).contains(s.lat), s.lon.isFinite, (-180...180).contains(s.lon) else {
            throw PosyError(.invalidField, "lat/lon out of range")
        }
        guard TimeZone(identifier: s.timeZone) != nil else { throw PosyError(.invalidField, "timeZone: unknown '\(s.timeZone)'") }
        try s.retention?.validate()
        let body = try JSON.encode(s)
        let saved = s
        let events = self.events
        try await store.write { db in
            do {
                try db.run("INSERT INTO shops(id, body, created_at) VALUES (?, ?, ?)", saved.id, body, self.now)
            } catch let e as SQLiteError where e.isConstraint {
                throw PosyError(.conflict, "shop \(saved.id) exists")
            }
            try events.emit(db, OrdersEvents.shop, encoded: body)
        }
        return s
    }

    /// A courier's id is Posy's, made here: ids are every shop's (tokens, pushes), so a shop choosing
    /// one could learn from a refusal that another shop uses it. A shop names its couriers with `ref`,
    /// unique within the shop alone; only the operator (an admin) may choose an id, as when moving
    /// couriers from another system (docs/protocol.md, "Sign-in and sessions": couriers).
    public func createCourier(_ courier: Courier, by viewer: Viewer) async throws -> Courier {
        guard viewer.isStaff(of: courier.shopId) else { throw PosyError(.forbidden, "only staff of the shop add couriers") }
        var c = courier
        if c.id.isEmpty {
            c.id = Self.newId("k")
        } else if !viewer.isAdmin {
            throw PosyError(.invalidField, "id: a courier's id is made by Posy; give the shop's own reference as ref")
        } else if c.id.utf8.count > 64 || !c.id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ".") }) {
            // It becomes a topic's part (`to.<id>.`): printable ASCII without spaces or dots.
            throw PosyError(.invalidField, "id: 1–64 printable ASCII characters, no spaces or dots")
        }
        if let ref = c.ref,
            ref.isEmpty || ref.count > 64 || ref.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            throw PosyError(.invalidField, "ref: 1–64 characters, no control characters")
        }
        guard !c.name.isEmpty, !c.phone.isEmpty else { throw PosyError(.invalidField, "name and phone are required") }
        // A new courier has agreed to nothing yet: on duty only once they did, in their app.
        c.locationConsent = nil
        if consentMode == .app { c.onDuty = false }
        guard PhoneNumber.isValid(c.phone) else {
            throw PosyError(.invalidField, "phone: 3–20 digits, an optional leading +, spaces, -, ( and )")
        }
        let body = try JSON.encode(c)
        let saved = c
        let events = self.events
        try await store.write { db in
            guard try db.queryOne("SELECT 1 FROM shops WHERE id = ?", saved.shopId) != nil else {
                throw PosyError(.notFound, "no shop \(saved.shopId)")
            }
            if let ref = saved.ref, try db.queryOne("SELECT 1 FROM couriers WHERE shop_id = ? AND ref = ?", saved.shopId, ref) != nil {
                throw PosyError(.conflict, "ref: this shop has a courier with reference \(ref)")
            }
            do {
                try db.run(
                    "INSERT INTO couriers(id, shop_id, ref, body, created_at) VALUES (?, ?, ?, ?, ?)",
                    saved.id, saved.shopId, saved.ref, body, self.now)
            } catch let e as SQLiteError where e.isConstraint {
                // Only an admin's chosen id can meet another courier's; an admin sees every shop.
                throw PosyError(.conflict, "courier \(saved.id) exists")
            }
            try events.emit(db, OrdersEvents.courier, encoded: body)
        }
        return c
    }

    /// A shop as its staff, its couriers and its customers see it: its name, where it is, its time
    /// zone (the customer's page shows the window in it). A customer only reads a shop they have an
    /// order with (a tracking link: its order's shop).
    public func shop(_ id: String, for viewer: Viewer) async throws -> Shop {
        var allowed = viewer.isStaff(of: id)
        if case .user(_, .courier, let s, _) = viewer { allowed = allowed || s == id }
        if case .user(let sub, .customer, _, let scope) = viewer {
            allowed = try await store.read { db in
                try db.queryOne(
                    "SELECT 1 FROM orders WHERE shop_id = ? AND customer_id = ? AND (? IS NULL OR id = ?) LIMIT 1", id, sub, scope,
                    scope) != nil
            }
        }
        guard allowed else { throw PosyError(.notFound, "no shop \(id)") }
        let body = try await store.read { db in try db.queryOne("SELECT body FROM shops WHERE id = ?", id)?.data(0) }
        guard let body else { throw PosyError(.notFound, "no shop \(id)") }
        return try JSON.decode(Shop.self, from: body)
    }

    /// The shop's couriers for its staff; a courier of the shop gets only their own record (their
    /// duty, for the courier app).
    public func couriers(shop: String, for viewer: Viewer) async throws -> [Courier] {
        var only: String?
        if case .user(let sub, .courier, let s, _) = viewer, s == shop { only = sub }
        guard viewer.isStaff(of: shop) || only != nil else { throw PosyError(.notFound, "no shop \(shop)") }
        let mine = only
        return try await store.read { db in
            try db.query("SELECT body FROM couriers WHERE shop_id = ? ORDER BY created_at, id", shop)
                .map { try JSON.decode(Courier.self, from: $0.data(0)!) }.filter { mine == nil || $0.id == mine }
        }
    }

    // MARK: Orders

    /// Creates an order (staff of its shop). A repeated `idempotencyKey` from the same actor
    /// returns the first result; reusing it for a different request is a conflict.
    public func create(_ new: NewOrder, by viewer: Viewer, idempotencyKey: String? = nil) async throws -> Order {
        try await createEncoded(new, by: viewer, idempotencyKey: idempotencyKey).order
    }

    /// ``create(_:by:idempotencyKey:)`` that also returns the order's JSON, encoded once and used for
    /// the row, the event, the idempotency record and the RPC reply (only staff create, and they see
    /// the whole order).
    public func createEncoded(
        _ new: NewOrder, by viewer: Viewer, idempotencyKey: String? = nil
    ) async throws
        -> (order: Order, json: Data)
    {
        guard viewer.isStaff(of: new.shopId) else { throw PosyError(.forbidden, "only staff of the shop create orders") }
        try OrderValidation.validate(new)
        let actor = viewer.actor
        let request = try JSON.encode(new)
        let id = Self.newId("o")
        let now = self.now
        var draft = Order(
            id: id, shopId: new.shopId, conversationId: "m\(shard(for: id))-\(id)", customer: new.customer,
            recipient: new.recipient, sender: new.sender, items: new.items, cardMessage: new.cardMessage,
            handling: new.handling ?? OrderHandling(), window: new.window, surprise: new.surprise ?? false,
            notes: new.notes, createdAt: now, updatedAt: now)
        // A drop-off the shop writes into the order is the shop's own: allowed, whatever a client says.
        draft.dropOff = new.dropOff.map { DropOffInstruction(kind: $0.kind, description: $0.description, allowedByShop: true) }
        draft.maskedCalls = maskedCalls ? true : nil
        let order = draft
        let events = self.events
        return try await store.write { db -> (order: Order, json: Data) in
            if let key = idempotencyKey {
                if let row = try db.queryOne("SELECT result FROM idempotency WHERE actor = ? AND key = ?", actor, key) {
                    let stored = try JSON.decode(IdempotentResult.self, from: row.data(0)!)
                    guard stored.request == request else {
                        throw PosyError(.conflict, "Idempotency-Key reused for a different request")
                    }
                    return (stored.order, try JSON.encode(stored.order))
                }
            }
            guard try db.queryOne("SELECT 1 FROM shops WHERE id = ?", new.shopId) != nil else {
                throw PosyError(.notFound, "no shop \(new.shopId)")
            }
            let body = try Self.save(db, order, created: true)
            try Self.record(db, order, body: body, actor: actor, detail: nil, events: events)
            if let key = idempotencyKey {
                // `IdempotentResult` as JSON, with the order's bytes spliced in rather than encoded again.
                let result =
                    Data(#"{"request":""#.utf8) + Data(request.base64EncodedString().utf8) + Data(#"","order":"#.utf8)
                    + body + Data("}".utf8)
                try db.run("INSERT INTO idempotency(actor, key, result, at) VALUES (?, ?, ?, ?)", actor, key, result, now)
            }
            return (order, body)
        }
    }

    struct IdempotentResult: Codable {
        var request: Data
        var order: Order
    }

    /// The order as `viewer` may see it; `not_found` when they may not see it at all.
    public func order(_ id: String, for viewer: Viewer, now: Date = Date()) async throws -> Order {
        let stored = try await store.read { db in try Self.load(db, id) }
        guard let stored, let view = OrderVisibility.view(stored, for: viewer, now: now) else {
            throw PosyError(.notFound, "no order \(id)")
        }
        return view
    }

    /// The orders `viewer` may see, oldest first, `limit` (1…200, default 50) at a time. The cursor
    /// is opaque to clients (keyset on the creation sequence, so pages never skip or repeat).
    public func list(
        for viewer: Viewer, status: OrderState? = nil, courier: String? = nil, cursor: String? = nil,
        limit: Int? = nil, windowFrom: String? = nil, windowTo: String? = nil, now: Date = Date()
    ) async throws -> OrderPage {
        let limit = limit ?? 50
        guard (1...200).contains(limit) else { throw PosyError(.invalidField, "limit: must be 1…200") }
        var clauses: [String] = []
        var args: [SQLValue] = []
        switch viewer {
        case .service:
            break
        case .user(let sub, let role, let shop, let scope):
            switch role {
            case .admin: break
            case .staff:
                clauses.append("shop_id = ?")
                args.append(.text(shop ?? ""))
            case .courier:
                clauses.append("shop_id = ? AND courier_id = ?")
                args += [.text(shop ?? ""), .text(sub)]
            case .customer:
                clauses.append("customer_id = ?")
                args.append(.text(sub))
                if let scope {
                    clauses.append("id = ?")
                    args.append(.text(scope))
                }
            }
        }
        if let status {
            clauses.append("state = ?")
            args.append(.text(status.rawValue))
        }
        if let courier {
            clauses.append("courier_id = ?")
            args.append(.text(courier))
        }
        // Windows are stored as given (any offset); SQLite's julianday reads RFC 3339 with its offset.
        if let windowFrom {
            guard Timestamp.parse(windowFrom) != nil else { throw PosyError(.invalidField, "windowFrom: not an RFC 3339 time") }
            clauses.append("julianday(json_extract(body, '$.window.end')) > julianday(?)")
            args.append(.text(windowFrom))
        }
        if let windowTo {
            guard Timestamp.parse(windowTo) != nil else { throw PosyError(.invalidField, "windowTo: not an RFC 3339 time") }
            clauses.append("julianday(json_extract(body, '$.window.start')) < julianday(?)")
            args.append(.text(windowTo))
        }
        if let cursor {
            guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
                text.hasPrefix("n:"), let after = Int64(text.dropFirst(2))
            else { throw PosyError(.badRequest, "cursor: not one this API gave out") }
            clauses.append("n > ?")
            args.append(.int(after))
        }
        let sql =
            "SELECT n, body FROM orders" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY n LIMIT \(limit + 1)"
        let bound = args
        let rows = try await store.read { db in
            try db.query(sql, bound).map { ($0.int(0)!, try JSON.decode(Order.self, from: $0.data(1)!)) }
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { Data("n:\($0.0)".utf8).base64EncodedString() } : nil
        return OrderPage(items: page.compactMap { OrderVisibility.view($0.1, for: viewer, now: now) }, nextCursor: next)
    }

    public func timeline(_ id: String, for viewer: Viewer) async throws -> [TimelineEntry] {
        _ = try await order(id, for: viewer)
        return try await store.read { db in
            try db.query("SELECT n, state, actor, at, detail FROM order_timeline WHERE order_id = ? ORDER BY n", id).map {
                OrderVisibility.timelineEntry(
                    TimelineEntry(
                        n: Int($0.int(0)!), state: OrderState(rawValue: $0.string(1)!)!, actor: $0.string(2)!,
                        at: $0.string(3)!, detail: $0.string(4)),
                    for: viewer)
            }
        }
    }

    /// Moves an order to `target` if the lifecycle and the viewer allow it; returns the viewer's view.
    public func transition(
        _ id: String, to target: OrderState, by viewer: Viewer, courierId: String? = nil,
        reason: String? = nil
    ) async throws -> Order {
        let updated = try await store.write { db -> Order in
            try self.transition(db, id, to: target, by: viewer, courierId: courierId, reason: reason)
        }
        if let view = OrderVisibility.view(updated, for: viewer) { return view }
        // The move took the order out of the viewer's sight (a courier who declined): they get their
        // last view of it — never the whole order — with the new state and no courier.
        guard case .user(let sub, _, _, _) = viewer else { return updated }
        var seen = updated
        seen.courierId = sub
        guard var last = OrderVisibility.view(seen, for: viewer) else { throw PosyError(.notFound, "no order \(id)") }
        last.courierId = nil
        last.courier = nil
        return last
    }

    /// ``transition(_:to:by:courierId:reason:)`` inside the caller's write (also used by the
    /// handlers of other services' events); returns the whole order.
    func transition(
        _ db: SQLiteConnection, _ id: String, to target: OrderState, by viewer: Viewer, courierId: String? = nil,
        reason: String? = nil
    ) throws -> Order {
        let actor = viewer.actor
        let now = self.now
        let acceptDeadline = clock().addingTimeInterval(acceptTimeout).timeIntervalSince1970
        // Not visible to the viewer is answered like not there at all: existence is not revealed.
        guard var order = try Self.load(db, id), OrderVisibility.view(order, for: viewer) != nil else {
            throw PosyError(.notFound, "no order \(id)")
        }
        try OrderLifecycle.check(order, to: target, by: viewer, courierId: courierId, reason: reason)
        var detail: String?
        switch target {
        case .assigned:
            guard let c = courierId, try db.queryOne("SELECT 1 FROM couriers WHERE id = ? AND shop_id = ?", c, order.shopId) != nil else {
                throw PosyError(.invalidField, "courierId: no such courier in shop \(order.shopId)")
            }
            order.courierId = c
            order.courier = try db.queryOne("SELECT body FROM couriers WHERE id = ?", c)
                .map { CourierSummary(try JSON.decode(Courier.self, from: $0.data(0)!)) }
            detail = "courier \(c)"
            order.acceptBy = Timestamp.format(Date(timeIntervalSince1970: acceptDeadline))
            try armTimer(db, kind: "assignment", ref: order.id, arg: c, due: acceptDeadline)
        case .confirmed where order.courierId != nil:
            // Declined by the courier or taken back by staff: the order waits for a courier again.
            let who = viewer.isCourier(order.courierId, of: order.shopId) ? "declined by courier" : "unassigned from courier"
            let why = reason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            detail = "\(who) \(order.courierId!)" + (why.map { ": \($0)" } ?? "")
            order.courierId = nil
            order.courier = nil
        case .failed:
            order.failureReason = reason
            detail = reason
        case .delivered:
            order.deliveredAt = now
        default:
            break
        }
        if target != .assigned { order.acceptBy = nil }
        order.state = target
        order.updatedAt = now
        let body = try Self.save(db, order, created: false)
        try Self.record(db, order, body: body, actor: actor, detail: detail, events: events)
        return order
    }

    static func load(_ db: SQLiteConnection, _ id: String) throws -> Order? {
        try db.queryOne("SELECT body FROM orders WHERE id = ?", id).map { try JSON.decode(Order.self, from: $0.data(0)!) }
    }

    /// Writes the order's row; returns its JSON.
    @discardableResult
    static func save(_ db: SQLiteConnection, _ o: Order, created: Bool) throws -> Data {
        let body = try JSON.encode(o)
        if created {
            // n: creation order, strictly increasing (the writer is the only one inserting).
            try db.run(
                """
                INSERT INTO orders(id, n, shop_id, state, courier_id, customer_id, body, created_at, updated_at)
                VALUES (?, (SELECT COALESCE(MAX(n), 0) + 1 FROM orders), ?, ?, ?, ?, ?, ?, ?)
                """, o.id, o.shopId, o.state.rawValue, o.courierId, o.customer?.id, body, o.createdAt, o.updatedAt)
        } else {
            try db.run(
                "UPDATE orders SET state = ?, courier_id = ?, body = ?, updated_at = ? WHERE id = ?",
                o.state.rawValue, o.courierId, body, o.updatedAt, o.id)
        }
        return body
    }

    /// Timeline entry and durable event for the state the order just entered.
    /// `body` is the order's JSON (from ``save(_:_:created:)``), spliced into the event as its snapshot.
    static func record(_ db: SQLiteConnection, _ o: Order, body: Data, actor: String, detail: String?, events: EventLog) throws {
        let n = (try db.queryOne("SELECT COALESCE(MAX(n), 0) + 1 FROM order_timeline WHERE order_id = ?", o.id)?.int(0)) ?? 1
        try db.run(
            "INSERT INTO order_timeline(order_id, n, state, actor, at, detail) VALUES (?,?,?,?,?,?)",
            o.id, n, o.state.rawValue, actor, o.updatedAt, detail)
        var payload = try JSON.encode(
            OrderEvent(
                orderId: o.id, shopId: o.shopId, state: o.state, courierId: o.courierId, conversationId: o.conversationId,
                actor: actor, at: o.updatedAt, detail: detail))
        guard payload.last == UInt8(ascii: "}") else { throw PosyError(.internal, "event payload is not an object") }
        payload.removeLast()
        payload += Data(#","order":"#.utf8) + body + Data("}".utf8)
        try events.emit(db, OrdersEvents.state(o.state), encoded: payload)
    }
}
