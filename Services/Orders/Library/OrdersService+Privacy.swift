import Foundation
import Logging
import PosyAccess
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

/// Erasure requests (docs/architecture.md, "Privacy"). posy-orders finds the person's orders, forgets
/// their personal data in its own store in the same transaction that records the request and emits
/// `privacy.erasure` to every other store, then follows each store's `privacy.forgotten` report. The
/// event carries the person's strings until the last report; then it is rewritten without them.
extension OrdersService {
    /// The stores every erasure waits for, besides this one.
    func erasureInstances() -> [String] {
        [ServiceName.location, ServiceName.notify, ServiceName.receipts] + shards.map { "\(ServiceName.messaging)-\($0)" }
    }

    /// `orders.privacy.erase`: an admin, or a manager for their own shop.
    public func erase(_ input: ErasureInput, by viewer: Viewer) async throws -> Erasure {
        if input.courierId != nil { return try await eraseCourier(input, by: viewer) }
        let (customerId, phone) = try Self.person(input, viewer)
        let shopId = input.shopId
        let id = Self.newId("er")
        let now = self.now
        let instances = erasureInstances()
        let events = self.events
        let erasure = try await store.write { db -> Erasure in
            if let shopId {
                guard try self.isManager(viewer, of: shopId, db) else {
                    throw PosyError(.forbidden, "only an admin or a manager of the shop erases its customers' data")
                }
            } else if !viewer.isAdmin {
                throw PosyError(.forbidden, "only an admin erases across every shop")
            }
            let orders = try Self.ordersOfPerson(db, customerId: customerId, phone: phone, shop: shopId)
            guard !orders.isEmpty else { throw PosyError(.notFound, "no orders of this person") }
            let open = orders.filter { !$0.state.isTerminal }
            guard open.isEmpty else {
                throw PosyError(
                    .conflict,
                    "\(open.count) of the person's orders are still open (\(open.map(\.id).joined(separator: ", "))); erase once they end")
            }
            let erasure = try self.startErasure(
                db, id: id, orders: orders, scope: .person, shopId: shopId, subject: customerId != nil ? "customerId" : "phone",
                requestedBy: viewer.actor, now: now, instances: instances, events: events)
            return erasure
        }
        return erasure
    }

    /// Forgets `orders` in this store, records the request and asks every other store, in the
    /// caller's write (docs/architecture.md, "Privacy").
    func startErasure(
        _ db: SQLiteConnection, id: String, orders: [Order], scope: ErasureScope, shopId: String?, subject: String,
        requestedBy: String, now: String, instances: [String], events: EventLog
    ) throws -> Erasure {
        var needles = Set<String>()
        for o in orders { needles.formUnion(try Self.personalStrings(db, o, scope: scope)) }
        let scrub = PersonalScrub(needles: Array(needles))
        var counts = try Self.forgetOrders(db, orders, scope: scope, scrub: scrub, erasure: OrderErasure(at: now, requestId: id))
        let outbox = try PrivacyAgent.scrubOutbox(db, orders: orders.map(\.id), scrub: scrub, skip: [PrivacyEvents.erasure.topic])
        if outbox > 0 { counts["outbox"] = outbox }
        let work = ErasureWork(
            requestId: id,
            orders: orders.map {
                ErasureTarget(orderId: $0.id, shopId: $0.shopId, conversationId: $0.conversationId, customerId: $0.customer?.id)
            }, needles: needles.sorted(), at: now, scope: scope)
        return try Self.record(
            db, work, event: try events.emit(db, PrivacyEvents.erasure, work), shopId: shopId, subject: subject, requestedBy: requestedBy,
            counts: counts, instances: instances)
    }

    /// Records a started erasure: this store's part done with `counts`, every other store's to come.
    static func record(
        _ db: SQLiteConnection, _ work: ErasureWork, event: Envelope, shopId: String?, subject: String, requestedBy: String,
        counts: [String: Int], instances: [String]
    ) throws -> Erasure {
        let steps =
            [ErasureStep(instance: ServiceName.orders, done: true, counts: counts, at: work.at)]
            + instances.map { ErasureStep(instance: $0, done: false, counts: [:], at: nil) }
        let erasure = Erasure(
            id: work.requestId, shopId: shopId, subject: subject, state: .running, orders: work.orders.map(\.orderId).sorted(),
            steps: steps, requestedAt: work.at, finishedAt: nil)
        try db.run(
            """
            INSERT INTO erasures(id, shop_id, subject, requested_by, requested_at, orders, steps, event_seq)
            VALUES (?,?,?,?,?,?,?,?)
            """, erasure.id, shopId, subject, requestedBy, work.at, try JSON.encode(erasure.orders), try JSON.encode(steps), event.seq)
        return erasure
    }

    /// Answers `orders.privacy.export`: the person's orders from this store and every other store's
    /// part, asked as posy-orders itself once the caller was found to be an admin or the shop's manager.
    public func registerExport(on host: ServiceHost) {
        host.rpc.register(PrivacyRPC.export) { r, viewer in
            try await self.export(r, by: viewer) { instance, request in
                try await host.call(PrivacyRPC.exportPart, request, as: .service(ServiceName.orders), on: instance, timeout: .seconds(10))
            }
        }
    }

    /// The person's data for an access request (docs/protocol.md, "Privacy"); a store that does not
    /// answer is named in `unavailable`.
    public func export(
        _ input: ErasureInput, by viewer: Viewer,
        part: @escaping @Sendable (String, ExportPartRequest) async throws -> JSONValue
    ) async throws -> PrivacyExport {
        let (customerId, phone) = try Self.person(input, viewer)
        let shopId = input.shopId
        let (orders, changes) = try await store.read { db -> ([Order], [OrderChange]) in
            if let shopId {
                guard try self.isManager(viewer, of: shopId, db) else {
                    throw PosyError(.forbidden, "only an admin or a manager of the shop exports its customers' data")
                }
            } else if !viewer.isAdmin {
                throw PosyError(.forbidden, "only an admin exports across every shop")
            }
            let orders = try Self.ordersOfPerson(db, customerId: customerId, phone: phone, shop: shopId)
            let changes = try orders.flatMap { o in
                try db.query("SELECT body FROM changes WHERE order_id = ? ORDER BY id", o.id).compactMap {
                    try? JSON.decode(OrderChange.self, from: $0.data(0)!)
                }
            }
            return (orders, changes)
        }
        guard !orders.isEmpty else { throw PosyError(.notFound, "no orders of this person") }
        let phones = Array(Set(orders.flatMap { [$0.customer?.phone, $0.recipient?.phone, $0.sender?.phone] }.compactMap { $0 })).sorted()
        let request = ExportPartRequest(
            orders: orders.map {
                ErasureTarget(orderId: $0.id, shopId: $0.shopId, conversationId: $0.conversationId, customerId: $0.customer?.id)
            }, customerId: customerId ?? orders.first?.customer?.id, phones: phones)
        let instances = erasureInstances()
        let answers = await withTaskGroup(of: (String, Result<JSONValue, any Error>).self) { group in
            for instance in instances {
                group.addTask {
                    do {
                        let value = try await part(instance, request)
                        return (instance, .success(value))
                    } catch {
                        return (instance, .failure(error))
                    }
                }
            }
            var all: [(String, Result<JSONValue, any Error>)] = []
            for await answer in group { all.append(answer) }
            return all
        }
        var parts: [String: JSONValue] = [:]
        var unavailable: [String: String] = [:]
        for (instance, result) in answers {
            switch result {
            case .success(let value): parts[instance] = value
            case .failure(let e as PosyError): unavailable[instance] = "\(e.code.rawValue): \(e.message)"
            case .failure(let e): unavailable[instance] = "\(e)"
            }
        }
        return PrivacyExport(
            generatedAt: now, subject: customerId != nil ? "customerId" : "phone", shopId: shopId, orders: orders, changes: changes,
            parts: parts, unavailable: unavailable)
    }

    /// A courier's own data, once they left the shop (off duty, no order under way): their phone
    /// here, their position track in posy-location, messages sent to their number in posy-notify.
    /// Orders keep naming them by id and first name; each delivery keeps its summary.
    func eraseCourier(_ input: ErasureInput, by viewer: Viewer) async throws -> Erasure {
        guard let courierId = input.courierId, !courierId.isEmpty, input.customerId == nil, input.phone == nil else {
            throw PosyError(.invalidField, "give exactly one of customerId, phone and courierId")
        }
        guard let shopId = input.shopId else { throw PosyError(.invalidField, "shopId: the courier's shop") }
        let id = Self.newId("er")
        let now = self.now
        let instances = erasureInstances()
        let events = self.events
        return try await store.write { db -> Erasure in
            guard try self.isManager(viewer, of: shopId, db) else {
                throw PosyError(.forbidden, "only an admin or a manager of the shop erases its couriers' data")
            }
            guard let body = try db.queryOne("SELECT body FROM couriers WHERE id = ? AND shop_id = ?", courierId, shopId)?.data(0) else {
                throw PosyError(.notFound, "no courier \(courierId)")
            }
            var courier = try JSON.decode(Courier.self, from: body)
            let open =
                try db.queryOne(
                    "SELECT count(*) FROM orders WHERE courier_id = ? AND state NOT IN ('completed', 'cancelled', 'returned', 'delivered', 'failed')",
                    courierId)?.int(0) ?? 0
            guard !courier.onDuty, open == 0 else {
                throw PosyError(.conflict, "the courier is on duty or has \(open) order(s) under way; erase once they left")
            }
            let needles = courier.phone.isEmpty ? [] : [courier.phone]
            courier.phone = ""
            courier.locationConsent = nil
            let encoded = try JSON.encode(courier)
            try db.run("UPDATE couriers SET body = ? WHERE id = ?", encoded, courierId)
            // Every consumer's copy follows: posy-notify forgets the number it reaches them at.
            try events.emit(db, OrdersEvents.courier, encoded: encoded)
            let scrub = PersonalScrub(needles: needles)
            var outbox = 0
            for row in try db.query(
                "SELECT seq, envelope FROM outbox WHERE topic = ? AND instr(CAST(envelope AS TEXT), ?) > 0", Topic.fleetCourier, courierId)
            {
                guard let seq = row.int(0), let raw = row.data(1), var envelope = try? EnvelopeCodec.decode(raw),
                    let data = scrub.data(envelope.data, coordinates: false)
                else { continue }
                envelope.data = data
                try db.run(
                    "UPDATE outbox SET envelope = ? WHERE topic = ? AND seq = ?", EnvelopeCodec.encode(envelope), Topic.fleetCourier, seq)
                outbox += 1
            }
            var work = ErasureWork(requestId: id, orders: [], needles: needles, at: now)
            work.courierId = courierId
            return try Self.record(
                db, work, event: try events.emit(db, PrivacyEvents.erasure, work), shopId: shopId, subject: "courierId",
                requestedBy: viewer.actor, counts: ["couriers": 1, "outbox": outbox].filter { $0.value > 0 }, instances: instances)
        }
    }

    /// The person named by exactly one of a customer id and a phone, well-formed; a manager names their shop.
    static func person(_ input: ErasureInput, _ viewer: Viewer) throws -> (customerId: String?, phone: String?) {
        let customerId = input.customerId?.trimmingCharacters(in: .whitespaces)
        let phone = input.phone?.trimmingCharacters(in: .whitespaces)
        guard (customerId?.isEmpty == false) != (phone?.isEmpty == false) else {
            throw PosyError(.invalidField, "give exactly one of customerId and phone")
        }
        if let customerId, customerId.utf8.count > 128 { throw PosyError(.invalidField, "customerId: at most 128 bytes") }
        if let phone, !PhoneNumber.isValid(phone) {
            throw PosyError(.invalidField, "phone: 3–20 digits, an optional leading +, spaces, -, ( and )")
        }
        if !viewer.isAdmin, input.shopId == nil { throw PosyError(.invalidField, "shopId: required of a manager") }
        return (customerId?.isEmpty == false ? customerId : nil, phone?.isEmpty == false ? phone : nil)
    }

    /// `orders.privacy.erasure`: an erasure as whoever may request it sees it.
    public func erasure(_ id: String, for viewer: Viewer) async throws -> Erasure {
        let found = try await store.read { db -> (Erasure, String?)? in
            guard let row = try Self.loadErasure(db, id) else { return nil }
            return (row, row.shopId)
        }
        guard let (erasure, shop) = found else { throw PosyError(.notFound, "no erasure \(id)") }
        let allowed = try await store.read { db in
            if let shop { return try self.isManager(viewer, of: shop, db) }
            return viewer.isAdmin
        }
        guard allowed else { throw PosyError(.notFound, "no erasure \(id)") }
        return erasure
    }

    static func loadErasure(_ db: SQLiteConnection, _ id: String) throws -> Erasure? {
        guard
            let row = try db.queryOne(
                "SELECT shop_id, subject, requested_at, finished_at, orders, steps FROM erasures WHERE id = ?", id)
        else { return nil }
        let steps = try JSON.decode([ErasureStep].self, from: row.data(5) ?? Data())
        return Erasure(
            id: id, shopId: row.string(0), subject: row.string(1) ?? "", state: row.string(3) == nil ? .running : .done,
            orders: try JSON.decode([String].self, from: row.data(4) ?? Data()), steps: steps, requestedAt: row.string(2) ?? "",
            finishedAt: row.string(3))
    }

    /// The person's orders: theirs as customer by id; by phone, every order where the number is the
    /// customer's, the recipient's or the sender's (compared by digits, a country code aside).
    static func ordersOfPerson(_ db: SQLiteConnection, customerId: String?, phone: String?, shop: String?) throws -> [Order] {
        if let customerId {
            return try db.query(
                "SELECT body FROM orders WHERE customer_id = ? AND (? IS NULL OR shop_id = ?) ORDER BY n", customerId, shop, shop
            ).map { try JSON.decode(Order.self, from: $0.data(0)!) }
        }
        let wanted = PersonalScrub.digits(phone ?? "")
        func same(_ other: String?) -> Bool { other.map { PersonalScrub.samePhone(PersonalScrub.digits($0), wanted) } ?? false }
        var found: [Order] = []
        for row in try db.query("SELECT body FROM orders WHERE (? IS NULL OR shop_id = ?) ORDER BY n", shop, shop) {
            guard let body = row.data(0), let o = try? JSON.decode(Order.self, from: body) else { continue }
            if same(o.customer?.phone) || same(o.recipient?.phone) || same(o.sender?.phone) { found.append(o) }
        }
        return found
    }

    /// Every personal string an order and its change requests hold (with `contact`, its phones and addresses).
    static func personalStrings(_ db: SQLiteConnection, _ o: Order, scope: ErasureScope) throws -> [String] {
        var out: [String?] =
            scope == .contact
            ? [o.customer?.phone, o.recipient?.phone, o.recipient?.address, o.sender?.phone, o.dropOff?.description]
            : [
                o.customer?.name, o.customer?.phone, o.recipient?.name, o.recipient?.phone, o.recipient?.address, o.sender?.name,
                o.sender?.phone, o.cardMessage, o.notes, o.dropOff?.description,
            ]
        for row in try db.query("SELECT body FROM changes WHERE order_id = ?", o.id) {
            guard let body = row.data(0), let change = try? JSON.decode(OrderChange.self, from: body) else { continue }
            out += [change.change.address?.address, change.change.dropOff?.description]
        }
        return out.compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// Forgets the orders' personal data in `orders.db`: the orders keep their times, states, shop,
    /// items and window; names, phones, address, position, card message, notes go.
    static func forgetOrders(
        _ db: SQLiteConnection, _ orders: [Order], scope: ErasureScope, scrub: PersonalScrub, erasure: OrderErasure
    ) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for var o in orders {
            if scope == .contact {
                o.customer?.phone = nil
                if let r = o.recipient { o.recipient = OrderRecipient(name: r.name, phone: nil, address: nil, lat: nil, lon: nil) }
                o.sender?.phone = nil
                o.notes = o.notes.map(scrub.text)
                o.contactRedacted = erasure
            } else {
                if let c = o.customer { o.customer = OrderCustomer(id: c.id, name: "", phone: nil) }
                if o.recipient != nil { o.recipient = OrderRecipient(name: "", phone: nil, address: nil, lat: nil, lon: nil) }
                if let s = o.sender { o.sender = OrderSender(name: nil, phone: nil, anonymous: s.anonymous) }
                o.cardMessage = nil
                o.notes = nil
                o.erasure = erasure
            }
            if let d = o.dropOff { o.dropOff = DropOffInstruction(kind: d.kind, description: "", allowedByShop: d.allowedByShop) }
            o.failureReason = o.failureReason.map(scrub.text)
            try db.run("UPDATE orders SET body = ?, contact_redacted = 1 WHERE id = ?", try JSON.encode(o), o.id)
            counts["orders", default: 0] += 1
            for table in ["changes", "exceptions"] {
                for row in try db.query("SELECT id, body FROM \(table) WHERE order_id = ?", o.id) {
                    guard let rowId = row.string(0), let body = row.data(1), let scrubbed = scrub.data(body, coordinates: true) else {
                        continue
                    }
                    try db.run("UPDATE \(table) SET body = ? WHERE id = ?", scrubbed, rowId)
                    counts[table, default: 0] += 1
                }
            }
            counts["timeline", default: 0] += try db.run(
                "UPDATE order_timeline SET detail = '' WHERE order_id = ? AND detail IS NOT NULL AND detail != ''", o.id)
            // A create's stored reply holds the order and the request as the shop sent them.
            counts["idempotency", default: 0] += try db.run(
                "DELETE FROM idempotency WHERE instr(CAST(result AS TEXT), ?) > 0", "\"id\":\"\(o.id)\"")
        }
        return counts.filter { $0.value > 0 }
    }

    /// Follows every store's `privacy.forgotten` report; the last one finishes the erasure.
    public func registerPrivacy(on host: ServiceHost) -> some Service {
        let expected = Set(erasureInstances())
        let cleaner = ErasureWALCleaner(store: store, logger: host.logger)
        host.on(PrivacyEvents.forgotten) { db, envelope, report in
            // The bus let only a forgetter publish this, as itself (``EventSources``).
            guard report.instance == envelope.src, expected.contains(report.instance) else { return }
            guard let row = try db.queryOne("SELECT steps, event_seq, finished_at FROM erasures WHERE id = ?", report.requestId),
                row.string(2) == nil
            else { return }
            var steps = try JSON.decode([ErasureStep].self, from: row.data(0) ?? Data())
            guard let i = steps.firstIndex(where: { $0.instance == report.instance }), !steps[i].done else { return }
            steps[i] = ErasureStep(instance: report.instance, done: true, counts: report.counts, at: report.at)
            let finished = steps.allSatisfy(\.done)
            try db.run(
                "UPDATE erasures SET steps = ?, finished_at = ? WHERE id = ?", try JSON.encode(steps),
                finished ? Timestamp.format(self.clock()) : nil, report.requestId)
            guard finished else { return }
            // Nobody needs the person's strings any more: the event keeps the orders alone.
            if let seq = row.int(1),
                let raw = try db.queryOne(
                    "SELECT envelope FROM outbox WHERE topic = ? AND seq = ?", PrivacyEvents.erasure.topic, seq)?.data(0)
            {
                var envelope = try EnvelopeCodec.decode(raw)
                var work = try envelope.decode(PrivacyEvents.erasure)
                work.needles = []
                envelope.data = try JSON.encode(work)
                try db.run(
                    "UPDATE outbox SET envelope = ? WHERE topic = ? AND seq = ?", EnvelopeCodec.encode(envelope),
                    PrivacyEvents.erasure.topic, seq)
            }
            db.onCommit { cleaner.wake.bump() }
        }
        return cleaner
    }
}

/// Empties the WAL of orders.db once an erasure finished (the old event with the person's strings
/// lives on in its frames until then); at start too, for an erasure finished just before a crash.
struct ErasureWALCleaner: Service {
    let store: Store
    let logger: Logger
    let wake = ChangeSignal()

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let seen = wake.generation
                var retry = false
                let waiting =
                    (try? await store.read { db in
                        try db.query("SELECT id FROM erasures WHERE finished_at IS NOT NULL AND wal_clean = 0").compactMap { $0.string(0) }
                    }) ?? []
                if !waiting.isEmpty {
                    if await store.truncateWAL() {
                        _ = try? await store.write { db in
                            for id in waiting { try db.run("UPDATE erasures SET wal_clean = 1 WHERE id = ?", id) }
                        }
                        logger.info("erasures finished", metadata: ["requests": "\(waiting)"])
                    } else {
                        retry = true
                    }
                }
                await wake.wait(after: seen, timeout: retry ? .seconds(5) : nil)
            }
        }
    }
}
