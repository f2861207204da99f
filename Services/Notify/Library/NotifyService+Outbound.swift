import Crypto
import Foundation
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

extension NotifyService {
    /// Queues one outbound delivery in the caller's transaction (so it exists exactly when the
    /// event was applied). `id` makes a repeat a no-op.
    func enqueue(_ db: SQLiteConnection, id: String, channel: String, target: String, event: String, body: Data, subject: String?,
                 notBefore: Date? = nil) throws {
        let now = clock().timeIntervalSince1970
        let inserted = try db.run("""
            INSERT INTO outbound(id, channel, target, event, body, subject, state, created_at, next_at)
            VALUES (?,?,?,?,?,?,'pending',?,?) ON CONFLICT(id) DO NOTHING
            """, id, channel, target, event, body, subject, now, max(now, notBefore?.timeIntervalSince1970 ?? now))
        if inserted == 1 {
            metrics.increment("outbound_queued_\(channel)")
            db.onCommit { self.kick() }
        }
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
                  patterns.contains(where: { Webhook.matches($0, envelope.type) }) else { continue }
            try enqueue(db, id: Self.deliveryId("wd_", eventId, id), channel: "webhook", target: id, event: envelope.type, body: body,
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
            try db.query("""
                SELECT o.id, o.channel, o.target, o.event, o.body, o.subject, w.url, w.secret
                FROM outbound o LEFT JOIN webhooks w ON o.channel = 'webhook' AND w.id = o.target
                WHERE o.state = 'pending' AND o.next_at <= ? ORDER BY o.next_at LIMIT ?
                """, now.timeIntervalSince1970, limit).map {
                OutboundSender.Job(id: $0.string(0)!, channel: $0.string(1)!, target: $0.string(2)!, event: $0.string(3)!,
                                   body: $0.data(4) ?? Data(), subject: $0.string(5), url: $0.string(6), secret: $0.string(7))
            }
        }
        guard !jobs.isEmpty else { return 0 }
        let sender = OutboundSender(config: config)
        let results = await withTaskGroup(of: (String, Int?, String?, Int).self) { group in
            var out: [(String, Int?, String?, Int)] = []
            for (i, job) in jobs.enumerated() {
                if i >= 16, let r = await group.next() { out.append(r) }
                group.addTask {
                    let start = ContinuousClock.now
                    let ms = { Int((ContinuousClock.now - start) / .milliseconds(1)) }
                    do {
                        let status = try await sender.send(job, signedAt: Date())
                        if let status, !(200..<300).contains(status) { return (job.id, status, "HTTP \(status)", ms()) }
                        return (job.id, status, nil, ms())
                    } catch {
                        return (job.id, nil, "\(error)".prefix(500).description, ms())
                    }
                }
            }
            for await r in group { out.append(r) }
            return out
        }
        let config = self.config
        let after = clock()
        try await store.write { db in
            for (id, status, error, ms) in results {
                guard let row = try db.query("SELECT attempts, created_at, channel FROM outbound WHERE id = ? AND state = 'pending'", id).first
                else { continue }
                let n = Int(row.int(0) ?? 0) + 1
                let channel = row.string(2) ?? ""
                try db.run("INSERT OR REPLACE INTO outbound_attempts(delivery_id, n, at, status, error, ms) VALUES (?,?,?,?,?,?)",
                           id, n, now.timeIntervalSince1970, status, error, ms)
                if error == nil {
                    try db.run("UPDATE outbound SET state = 'delivered', attempts = ?, delivered_at = ?, next_at = NULL WHERE id = ?",
                               n, after.timeIntervalSince1970, id)
                    self.metrics.increment("outbound_delivered_\(channel)")
                    continue
                }
                let created = row.double(1) ?? now.timeIntervalSince1970
                let end = created + config.giveUpAfter
                if after.timeIntervalSince1970 >= end {
                    try db.run("UPDATE outbound SET state = 'dead', attempts = ?, next_at = NULL WHERE id = ?", n, id)
                    self.metrics.increment("outbound_dead_\(channel)")
                    self.logger.warning("outbound delivery dead-lettered", metadata: [
                        "delivery": "\(id)", "channel": "\(channel)", "attempts": "\(n)", "error": "\(error ?? "")",
                    ])
                } else {
                    let delay = Self.backoff(attempt: n, config: config)
                    try db.run("UPDATE outbound SET attempts = ?, next_at = ? WHERE id = ?", n,
                               min(after.timeIntervalSince1970 + delay, end), id)
                    self.metrics.increment("outbound_retried_\(channel)")
                }
            }
        }
        return jobs.count
    }

    /// Seconds before retry `attempt + 1`: base × 2^(attempt−1), capped, times a random 0.5–1
    /// (so receivers that failed together are not hit together again).
    static func backoff(attempt: Int, config: NotifyConfig) -> Double {
        let exp = config.retryBase * pow(2, Double(min(attempt - 1, 30)))
        return min(config.retryCap, exp) * Double.random(in: 0.5...1)
    }

    /// Wakes the delivery loop (new work was committed).
    func kick() { wake.withLock { _ = $0?.yield() } }

    /// The loop that sends outbound deliveries as they become due.
    public func deliveryService() -> some Service { DeliveryLoop(service: self) }

    struct DeliveryLoop: Service {
        let service: NotifyService

        func run() async throws {
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            service.wake.withLock { $0 = continuation }
            try? await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    var tried = 0
                    do {
                        tried = try await service.deliverDue()
                    } catch {
                        service.logger.error("outbound delivery pass failed", metadata: ["error": "\(error)"])
                    }
                    if tried == 0 {
                        // New work kicks; the clock (a retry coming due) is looked at every 200 ms.
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { var it = stream.makeAsyncIterator(); _ = await it.next() }
                            group.addTask { try await Task.sleep(for: .milliseconds(200)) }
                            _ = try await group.next()
                            group.cancelAll()
                        }
                    }
                }
            }
        }
    }
}
