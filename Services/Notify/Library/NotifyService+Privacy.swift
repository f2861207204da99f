import Foundation
import PosyCore
import PosySchema
import PosyStore

extension NotifyService {
    /// Forgets what posy-notify holds of erased orders (docs/architecture.md, "Privacy"): its copy of
    /// each order, the customer's inbox and devices, the text of notifications about the orders, and
    /// every SMS, e-mail or webhook that went to the person or carried the order — the send log keeps
    /// when, which channel and how it went.
    public func registerPrivacy(on host: ServiceHost) -> PrivacyAgent {
        host.rpc.register(PrivacyRPC.exportPart) { r, _ in try await self.exportPart(r) }
        return PrivacyAgent(host: host, clock: clock) { db, work, scrub in try Self.forget(db, work, scrub: scrub) }
    }

    /// posy-notify's part of an export: the customer's inbox, their devices, and every SMS, e-mail
    /// or webhook sent to one of their numbers (what, when and how it went).
    func exportPart(_ r: ExportPartRequest) async throws -> JSONValue {
        let orders = Set(r.orders.map(\.orderId))
        let phones = r.phones.map(PersonalScrub.digits)
        let (inbox, devices, sent) = try await store.read { db in
            let inbox =
                try r.customerId.map {
                    try db.query("SELECT \(Self.columns) FROM inbox WHERE person = ? ORDER BY id", $0).map(Self.notification)
                } ?? []
            var devices: [PushSubscription] = []
            for order in orders {
                devices += try db.query(
                    "SELECT id, endpoint, expiration, order_id, created_at FROM push_subscriptions WHERE order_id = ? ORDER BY created_at",
                    order
                ).map(Self.pushSubscription)
            }
            var sent: [JSONValue] = []
            for row in try db.query(
                "SELECT id, channel, target, event, state, created_at, delivered_at FROM outbound WHERE channel != 'webhook' ORDER BY created_at"
            ) {
                let target = row.string(2) ?? ""
                guard phones.contains(where: { PersonalScrub.samePhone(PersonalScrub.digits(target), $0) }) else { continue }
                sent.append(
                    .object([
                        "id": .string(row.string(0) ?? ""), "channel": .string(row.string(1) ?? ""), "to": .string(target),
                        "event": .string(row.string(3) ?? ""), "state": .string(row.string(4) ?? ""),
                        "at": .string(Timestamp.format(Date(timeIntervalSince1970: row.double(5) ?? 0))),
                    ]))
            }
            return (inbox, devices, sent)
        }
        return .object([
            "inbox": try JSON.decode(JSONValue.self, from: JSON.encode(inbox)),
            "pushSubscriptions": try JSON.decode(JSONValue.self, from: JSON.encode(devices)), "messagesSent": .array(sent),
        ])
    }

    static func forget(_ db: SQLiteConnection, _ work: ErasureWork, scrub: PersonalScrub) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        func add(_ kind: String, _ n: Int) { if n > 0 { counts[kind, default: 0] += n } }
        for target in work.orders {
            let order = target.orderId
            if let body = try db.queryOne("SELECT body FROM orders WHERE id = ?", order)?.data(0),
                let scrubbed = scrub.data(body, coordinates: true)
            {
                try db.run("UPDATE orders SET body = ? WHERE id = ?", scrubbed, order)
                add("orders", 1)
            }
            if let customer = target.customerId, work.forgets == .person {
                add("inbox", try db.run("DELETE FROM inbox WHERE person = ? AND order_id = ?", customer, order))
                add(
                    "pushSubscriptions",
                    try db.run(
                        "DELETE FROM push_subscriptions WHERE role = 'customer' AND sub = ? AND (order_id IS NULL OR order_id = ?)",
                        customer, order))
            }
            // The order ended: its devices have nothing more to hear about it.
            add("pushSubscriptions", try db.run("DELETE FROM push_subscriptions WHERE order_id = ?", order))
            for row in try db.query("SELECT id, title, body FROM inbox WHERE order_id = ?", order) {
                guard let id = row.int(0) else { continue }
                let (title, body) = (row.string(1) ?? "", row.string(2) ?? "")
                guard scrub.matches(title) || scrub.matches(body) else { continue }
                try db.run("UPDATE inbox SET title = ?, body = ? WHERE id = ?", scrub.text(title), scrub.text(body), id)
                add("inbox", 1)
            }
            add("coalesce", try db.run("DELETE FROM coalesce WHERE order_id = ?", order))
            for row in try db.query(
                "SELECT id, target, body FROM outbound WHERE instr(CAST(body AS TEXT), ?) > 0 OR hold_order = ?", order, order)
            {
                guard let id = row.string(0) else { continue }
                try forgetOutbound(db, id: id, target: row.string(1) ?? "", body: row.data(2) ?? Data(), scrub: scrub)
                add("outbound", 1)
            }
        }
        // Messages that went to the person's own number or address, whatever order they were about: on
        // request, every way the number may be written; for retention, which runs hourly over a big
        // send log, the numbers as the orders held them (`outbound_target`).
        if !scrub.isEmpty {
            let rows =
                work.forgets == .person
                ? try db.query("SELECT id, target, body FROM outbound WHERE target != ''")
                : try db.query(
                    "SELECT id, target, body FROM outbound WHERE target IN (\(work.needles.map { _ in "?" }.joined(separator: ",")))",
                    work.needles.map { SQLValue.text($0) })
            for row in rows {
                guard let id = row.string(0), let target = row.string(1), scrub.matches(target) else { continue }
                try forgetOutbound(db, id: id, target: target, body: row.data(2) ?? Data(), scrub: scrub)
                add("outbound", 1)
            }
        }
        return counts
    }

    /// One outbound delivery without the person: to them, it keeps neither address nor content; about
    /// them (a webhook), its content loses their strings and positions.
    static func forgetOutbound(_ db: SQLiteConnection, id: String, target: String, body: Data, scrub: PersonalScrub) throws {
        if scrub.matches(target) {
            try db.run("UPDATE outbound SET target = '', body = x'', subject = NULL WHERE id = ?", id)
        } else if let scrubbed = scrub.data(body, coordinates: true) {
            try db.run("UPDATE outbound SET body = ? WHERE id = ?", scrubbed, id)
        } else if let text = String(data: body, encoding: .utf8), scrub.matches(text) {
            try db.run("UPDATE outbound SET body = x'', subject = NULL WHERE id = ?", id)
        }
        for row in try db.query("SELECT n, error FROM outbound_attempts WHERE delivery_id = ? AND error IS NOT NULL", id) {
            guard let n = row.int(0), let error = row.string(1), scrub.matches(error) else { continue }
            try db.run("UPDATE outbound_attempts SET error = '' WHERE delivery_id = ? AND n = ?", id, n)
        }
    }
}
