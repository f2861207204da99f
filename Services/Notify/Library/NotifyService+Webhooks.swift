import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosyStore

extension NotifyService {
    public func registerWebhooks(on rpc: RPCServer) {
        rpc.register(NotifyRPC.webhookCreate) { r, viewer in try await self.createWebhook(r, for: viewer) }
        rpc.register(NotifyRPC.webhookList) { r, viewer in try await self.webhooks(r, for: viewer) }
        rpc.register(NotifyRPC.webhookDeliveries) { r, viewer in try await self.deliveries(r, for: viewer) }
        rpc.register(NotifyRPC.webhookDelete) { r, viewer in try await self.deleteWebhook(r, for: viewer) }
        rpc.register(NotifyRPC.webhookReplay) { r, viewer in try await self.replay(r, for: viewer) }
    }

    /// The shop a staff member (or an admin naming one) manages webhooks of.
    static func webhookShop(_ viewer: Viewer, _ shopId: String?) throws -> String {
        guard case .user(_, let role, let shop, nil) = viewer, role == .staff || role == .admin else {
            throw PosyError(.forbidden, "webhooks are for a shop's staff")
        }
        guard let id = (shopId?.isEmpty == false ? shopId : nil) ?? shop else { throw PosyError(.invalidField, "shopId: which shop") }
        guard viewer.isStaff(of: id) else { throw PosyError(.notFound, "no shop \(id)") }
        return id
    }

    /// `notify.webhooks.create`: an http(s) URL, the events wanted, and a secret (made if not given).
    public func createWebhook(_ r: NotifyRPC.WebhookCreateRequest, for viewer: Viewer) async throws -> Webhook {
        let shop = try Self.webhookShop(viewer, r.shopId)
        do throws(NetworkDestination.Refusal) {
            // Checked again, and pinned, at every attempt: DNS may change after this.
            _ = try await NetworkDestination.resolve(
                try NetworkDestination.host(of: r.url, allowLocal: config.allowLocalTargets), allowLocal: config.allowLocalTargets,
                within: .seconds(1))
        } catch .badURL(let why) {
            throw PosyError(.invalidField, "url: an http or https URL (\(why))")
        } catch .unresolved {
            // A host whose DNS is not live yet may still be registered; attempts fail until it is.
        } catch {
            throw PosyError(.destinationNotAllowed, "url: \(error.description); webhooks go to the public internet")
        }
        guard !r.events.isEmpty, r.events.count <= 100,
            r.events.allSatisfy({ p in
                !p.isEmpty && p.count <= 100 && p.allSatisfy { $0.isLetter || $0 == "." || $0 == "*" } && !p.dropLast().contains("*")
            })
        else {
            throw PosyError(.invalidField, "events: event types such as order.delivered, or prefixes such as order.*")
        }
        // A misspelt event would never fire: every type, and every prefix, must name events of an
        // order's life (as notification rules must).
        if let unknown = r.events.first(where: { p in
            p.hasSuffix("*")
                ? !OrderEventCatalog.all.contains { $0.hasPrefix(p.dropLast()) } : !OrderEventCatalog.all.contains(p)
        }) {
            throw PosyError(.invalidField, "events: \(unknown) names no event of an order's life (docs/protocol.md, \"Events\")")
        }
        if let s = r.secret, s.count < 16 || s.count > 256 { throw PosyError(.invalidField, "secret: 16 to 256 characters") }
        let secret = r.secret ?? "whsec_" + Hex.encode((0..<24).map { _ in UInt8.random(in: 0...255) })
        let hook = Webhook(
            id: RecordID.make("wh"), shopId: shop, url: r.url, events: r.events, secret: secret,
            createdAt: Timestamp.format(clock()))
        let events = String(decoding: try JSON.encode(r.events), as: UTF8.self)
        try await store.write { db in
            try db.run(
                "INSERT INTO webhooks(id, shop_id, url, events, secret, created_at) VALUES (?,?,?,?,?,?)",
                hook.id, shop, hook.url, events, secret, hook.createdAt)
        }
        return hook
    }

    static func webhook(_ r: SQLRow) -> Webhook {
        Webhook(
            id: r.string(0) ?? "", shopId: r.string(1) ?? "", url: r.string(2) ?? "",
            events: r.string(3).flatMap { try? JSON.decode([String].self, from: Data($0.utf8)) } ?? [], secret: nil,
            createdAt: r.string(4) ?? "")
    }

    /// `notify.webhooks.list`: the shop's webhooks, without secrets.
    public func webhooks(_ r: ShopRef, for viewer: Viewer) async throws -> [Webhook] {
        let shop = try Self.webhookShop(viewer, r.shopId)
        return try await store.read { db in
            try db.query("SELECT id, shop_id, url, events, created_at FROM webhooks WHERE shop_id = ? ORDER BY created_at, id", shop)
                .map(Self.webhook)
        }
    }

    /// `notify.webhooks.delete`: no more deliveries to it; what was still pending ends as dead
    /// (error `webhook deleted`), so nothing is sent to a URL the shop took back.
    public func deleteWebhook(_ r: NotifyRPC.WebhookRef, for viewer: Viewer) async throws -> Webhook {
        let now = clock().timeIntervalSince1970
        return try await store.write { db in
            let hook = try self.ownWebhook(db, viewer, r.webhookId)
            for row in try db.query(
                "SELECT id, attempts FROM outbound WHERE channel = 'webhook' AND target = ? AND state = 'pending'", hook.id)
            {
                let n = Int(row.int(1) ?? 0) + 1
                try db.run(
                    "INSERT OR REPLACE INTO outbound_attempts(delivery_id, n, at, status, error, ms) VALUES (?,?,?,NULL,'webhook deleted',0)",
                    row.string(0)!, n, now)
                try db.run("UPDATE outbound SET state = 'dead', attempts = ?, next_at = NULL WHERE id = ?", n, row.string(0)!)
            }
            try db.run("DELETE FROM webhooks WHERE id = ?", hook.id)
            return hook
        }
    }

    /// The webhook `id` if the caller may see it.
    func ownWebhook(_ db: SQLiteConnection, _ viewer: Viewer, _ id: String) throws -> Webhook {
        guard let hook = try db.query("SELECT id, shop_id, url, events, created_at FROM webhooks WHERE id = ?", id).first.map(Self.webhook),
            viewer.isStaff(of: hook.shopId)
        else {
            throw PosyError(.notFound, "no webhook \(id)")
        }
        return hook
    }

    /// `notify.webhooks.deliveries`: every delivery of the webhook with each attempt, newest first
    /// (`state: dead` is its dead-letter list).
    public func deliveries(_ r: NotifyRPC.WebhookDeliveriesRequest, for viewer: Viewer) async throws -> [OutboundDelivery] {
        return try await store.read { db in
            _ = try self.ownWebhook(db, viewer, r.webhookId)
            var sql = "SELECT id FROM outbound WHERE channel = 'webhook' AND target = ?"
            var values: [SQLValue] = [.text(r.webhookId)]
            if let state = r.state {
                sql += " AND state = ?"
                values.append(.text(state.rawValue))
            }
            sql += " ORDER BY created_at DESC, id LIMIT 500"
            return try db.query(sql, values).compactMap { try $0.string(0).flatMap { try Self.delivery(db, $0) } }
        }
    }

    /// One outbound delivery with its attempts.
    static func delivery(_ db: SQLiteConnection, _ id: String) throws -> OutboundDelivery? {
        func time(_ v: Double?) -> String? { v.map { Timestamp.format(Date(timeIntervalSince1970: $0)) } }
        guard
            let r = try db.query(
                """
                SELECT id, channel, target, event, state, created_at, next_at, delivered_at, replay_of FROM outbound WHERE id = ?
                """, id
            ).first
        else { return nil }
        let attempts = try db.query("SELECT n, at, status, error, ms FROM outbound_attempts WHERE delivery_id = ? ORDER BY n", id).map {
            OutboundDelivery.Attempt(
                n: Int($0.int(0) ?? 0), at: time($0.double(1)) ?? "", status: $0.int(2).map { Int($0) },
                error: $0.string(3), ms: Int($0.int(4) ?? 0))
        }
        return OutboundDelivery(
            id: id, channel: r.string(1) ?? "", target: r.string(2) ?? "", event: r.string(3) ?? "",
            state: OutboundDelivery.State(rawValue: r.string(4) ?? "") ?? .pending, attempts: attempts,
            createdAt: time(r.double(5)) ?? "", nextAt: time(r.double(6)), deliveredAt: time(r.double(7)),
            replayOf: r.string(8))
    }

    /// `notify.webhooks.replay`: the delivery's body again, as a new delivery due now (its own
    /// attempts and retry period; the body's event `id` is the same, so a receiver can tell).
    public func replay(_ r: NotifyRPC.WebhookReplayRequest, for viewer: Viewer) async throws -> OutboundDelivery {
        return try await store.write { db in
            _ = try self.ownWebhook(db, viewer, r.webhookId)
            guard
                let row = try db.query(
                    "SELECT event, body FROM outbound WHERE id = ? AND channel = 'webhook' AND target = ?",
                    r.deliveryId, r.webhookId
                ).first
            else {
                throw PosyError(.notFound, "no delivery \(r.deliveryId)")
            }
            let id = RecordID.make("wr_")
            try self.enqueue(
                db, id: id, channel: WebhookChannel.name, target: r.webhookId, event: row.string(0) ?? "", body: row.data(1) ?? Data(),
                subject: nil)
            try db.run("UPDATE outbound SET replay_of = ? WHERE id = ?", r.deliveryId, id)
            return try Self.delivery(db, id)!
        }
    }
}
