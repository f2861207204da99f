import Crypto
import Foundation
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

extension NotifyService {
    /// Queues one outbound delivery in the caller's transaction (so it exists exactly when the
    /// event was applied). `id` makes a repeat a no-op.
    func enqueue(
        _ db: SQLiteConnection, id: String, channel: String, target: String, event: String, body: Data, subject: String?,
        notBefore: Date? = nil, hold: OutboundHold? = nil
    ) throws {
        let now = clock().timeIntervalSince1970
        let inserted = try db.run(
            """
            INSERT INTO outbound(id, channel, target, event, body, subject, state, created_at, next_at, hold_order, hold_courier)
            VALUES (?,?,?,?,?,?,'pending',?,?,?,?) ON CONFLICT(id) DO NOTHING
            """, id, channel, target, event, body, subject, now, max(now, notBefore?.timeIntervalSince1970 ?? now), hold?.orderId,
            hold?.courierId)
        if inserted == 1 {
            metrics.increment("outbound_queued_\(channel)")
            db.onCommit { self.kick() }
        }
    }

    /// Withdraws what waits for an assignment its courier has answered: the order is no longer
    /// assigned to them (accepted, handed back, reassigned, cancelled). Unsent, so simply gone.
    func withdrawAnswered(_ db: SQLiteConnection, _ order: Order) throws {
        let stillWaiting = order.state == .assigned ? order.courierId : nil
        let withdrawn = try db.run(
            "DELETE FROM outbound WHERE hold_order = ? AND state = 'pending' AND hold_courier IS NOT ?", order.id, stillWaiting)
        if withdrawn > 0 { metrics.increment("notifications_escalation_withdrawn", by: Int64(withdrawn)) }
    }

    /// A stable id from parts (the same event and target always make the same delivery id).
    static func deliveryId(_ prefix: String, _ parts: String...) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "|").utf8))
        return prefix + Hex.encode(Data(digest).prefix(12))
    }

    /// Queues the event for every webhook of its shop that wants it. The body is
    /// `{"id","type","src","at","data"}`; `id` names the event (the same on a replay), the
    /// `Posy-Delivery` header the delivery.
    func enqueueWebhooks(_ db: SQLiteConnection, _ envelope: Envelope, shopId: String) throws {
        let hooks = try db.query("SELECT id, events FROM webhooks WHERE shop_id = ?", shopId)
        guard !hooks.isEmpty else { return }
        let eventId = Self.deliveryId("ev_", envelope.src, envelope.epoch, envelope.type, String(envelope.seq))
        var body = Data("{\"id\":\(JSON.quoted(eventId)),\"type\":\(JSON.quoted(envelope.type)),\"src\":\(JSON.quoted(envelope.src)),".utf8)
        body.append(Data("\"at\":\(JSON.quoted(envelope.at)),\"data\":".utf8))
        body.append(envelope.data)
        body.append(Data("}".utf8))
        for hook in hooks {
            guard let id = hook.string(0), let patterns = hook.string(1).flatMap({ try? JSON.decode([String].self, from: Data($0.utf8)) }),
                patterns.contains(where: { Webhook.matches($0, envelope.type) })
            else { continue }
            try enqueue(
                db, id: Self.deliveryId("wd_", eventId, id), channel: WebhookChannel.name, target: id, event: envelope.type, body: body,
                subject: nil)
        }
    }

    /// Sends what is due (at most `limit`, up to 16 at once) and records each attempt: delivered,
    /// retried later with exponential backoff and jitter, or dead once the retry period is over.
    /// Returns how many were tried.
    @discardableResult
    public func deliverDue(limit: Int = 64) async throws -> Int {
        let now = clock()
        let jobs = try await store.read { db in
            try db.query(
                """
                SELECT o.id, o.channel, o.target, o.event, o.body, o.subject, w.url, w.secret, p.endpoint, p.p256dh, p.auth
                FROM outbound o LEFT JOIN webhooks w ON o.channel = 'webhook' AND w.id = o.target
                LEFT JOIN push_subscriptions p ON o.channel = 'webPush' AND p.id = o.target
                WHERE o.state = 'pending' AND o.next_at <= ? ORDER BY o.next_at LIMIT ?
                """, now.timeIntervalSince1970, limit
            ).map { row in
                var keys: (String, String)?
                if let p256dh = row.string(9), let auth = row.string(10) { keys = (p256dh, auth) }
                return OutboundSender.Job(
                    id: row.string(0)!, channel: row.string(1)!, target: row.string(2)!, event: row.string(3)!,
                    body: row.data(4) ?? Data(), subject: row.string(5), url: row.string(6) ?? row.string(8), secret: row.string(7),
                    pushKeys: keys, pushTopic: row.string(5))
            }
        }
        guard !jobs.isEmpty else { return 0 }
        let sender = OutboundSender(config: config, logger: logger)
        let results = await withTaskGroup(of: Attempt.self) { group in
            var out: [Attempt] = []
            for (i, job) in jobs.enumerated() {
                if i >= 16, let r = await group.next() { out.append(r) }
                group.addTask {
                    let start = ContinuousClock.now
                    let ms = { Int((ContinuousClock.now - start) / .milliseconds(1)) }
                    do throws(OutboundFailure) {
                        let status = try await sender.send(job, signedAt: Date())
                        if let status, !(200..<300).contains(status) {
                            return Attempt(id: job.id, status: status, failure: .status(status), ms: ms())
                        }
                        return Attempt(id: job.id, status: status, failure: nil, ms: ms())
                    } catch {
                        return Attempt(id: job.id, status: nil, failure: error, ms: ms())
                    }
                }
            }
            for await r in group { out.append(r) }
            return out
        }
        let config = self.config
        let after = clock()
        try await store.write { db in
            for attempt in results {
                let id = attempt.id
                guard
                    let row = try db.query("SELECT attempts, created_at, channel FROM outbound WHERE id = ? AND state = 'pending'", id)
                        .first
                else { continue }
                let n = Int(row.int(0) ?? 0) + 1
                let channel = row.string(2) ?? ""
                try db.run(
                    "INSERT OR REPLACE INTO outbound_attempts(delivery_id, n, at, status, error, ms) VALUES (?,?,?,?,?,?)",
                    id, n, now.timeIntervalSince1970, attempt.status, attempt.failure?.description, attempt.ms)
                guard let failure = attempt.failure else {
                    try db.run(
                        "UPDATE outbound SET state = 'delivered', attempts = ?, delivered_at = ?, next_at = NULL WHERE id = ?",
                        n, after.timeIntervalSince1970, id)
                    self.metrics.increment("outbound_delivered_\(channel)")
                    continue
                }
                let created = row.double(1) ?? now.timeIntervalSince1970
                let end = created + config.giveUpAfter
                if case .gone(let status) = failure, channel == WebPushChannel.name, status != 413 {
                    // The push service says the device unsubscribed or the subscription expired.
                    try db.run("DELETE FROM push_subscriptions WHERE id = (SELECT target FROM outbound WHERE id = ?)", id)
                    self.metrics.increment("push_subscriptions_gone")
                }
                if failure.isPermanent || after.timeIntervalSince1970 >= end {
                    try db.run("UPDATE outbound SET state = 'dead', attempts = ?, next_at = NULL WHERE id = ?", n, id)
                    self.metrics.increment("outbound_dead_\(channel)")
                    self.logger.warning(
                        "outbound delivery dead-lettered",
                        metadata: [
                            "delivery": "\(id)", "channel": "\(channel)", "attempts": "\(n)", "error": "\(failure)",
                        ])
                } else {
                    let delay = Self.backoff(attempt: n, config: config)
                    try db.run(
                        "UPDATE outbound SET attempts = ?, next_at = ? WHERE id = ?", n,
                        min(after.timeIntervalSince1970 + delay, end), id)
                    self.metrics.increment("outbound_retried_\(channel)")
                }
            }
        }
        return jobs.count
    }

    /// One try of one delivery: the HTTP status (when there was one) and why it failed (nil: delivered).
    struct Attempt: Sendable {
        var id: String
        var status: Int?
        var failure: OutboundFailure?
        var ms: Int
    }

    /// Seconds before retry `attempt + 1`: base × 2^(attempt−1), capped, times a random 0.5–1
    /// (so receivers that failed together are not hit together again).
    static func backoff(attempt: Int, config: NotifyConfig) -> Double {
        let exp = config.retryBase * pow(2, Double(min(attempt - 1, 30)))
        return min(config.retryCap, exp) * Double.random(in: 0.5...1)
    }

    /// Wakes the delivery loop (new work was committed).
    func kick() { wake.bump() }

    /// Seconds until the earliest pending delivery is due (0 when one is due now); nil when none is pending.
    func nextDueIn() async throws -> Double? {
        let now = clock().timeIntervalSince1970
        return try await store.read { db in
            try db.queryOne("SELECT MIN(next_at) FROM outbound WHERE state = 'pending'")?.double(0).map { max(0, $0 - now) }
        }
    }

    /// The loop that sends outbound deliveries as they become due: after a pass that sent any it
    /// looks again at once; else it sleeps until the next is due or new work is committed (a kick, or
    /// a test clock moving, which only moves by advancing). With nothing pending it arms no timer.
    public func deliveryService() -> some Service {
        DueLoop(
            wake: wake, page: 1, pass: { try await self.deliverDue() }, next: { try await self.nextDueIn() },
            failed: { self.logger.error("outbound delivery pass failed", metadata: ["error": "\($0)"]) })
    }
}
