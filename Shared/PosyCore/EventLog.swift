import Foundation
import Logging
import PosyAccess
import PosySchema
import PosyStore
import Synchronization

/// The outbox of one store (docs/architecture.md, "Lossless events").
///
/// ``emit(_:topic:type:trace:payload:)`` runs inside a store write: it takes the next seq of the
/// topic and stores the encoded envelope in `outbox` in the same transaction as the state change.
/// Only after that transaction commits is the event handed to the publisher, and only then does the
/// topic's head (advertised in heartbeats) move. A crash before the send loses nothing: the event
/// is in the outbox, subscribers see the head in the next heartbeat and replay it.
public final class EventLog: Sendable {
    public let src: String
    public let epoch: String
    private let heads: Locked<[String: Int64]>
    private let logHead: Locked<Int64>
    private let publisher: BusPublisher?
    private let metrics: Metrics

    public init(store: Store, src: String, publisher: BusPublisher?, metrics: Metrics) async throws {
        self.src = src
        self.publisher = publisher
        self.metrics = metrics
        let (epoch, heads, pos) = try await store.read { db -> (String, [String: Int64], Int64) in
            guard let e = try db.queryOne("SELECT value FROM meta WHERE key = 'epoch'")?.string(0) else {
                throw SQLiteError(code: 1, message: "store has no epoch (core migration missing)")
            }
            var h: [String: Int64] = [:]
            for row in try db.query("SELECT topic, seq FROM topic_heads") {
                h[row.string(0)!] = row.int(1)!
            }
            return (e, h, try db.queryOne("SELECT pos FROM log_head WHERE id = 1")?.int(0) ?? 0)
        }
        self.epoch = epoch
        self.heads = Locked(heads)
        self.logHead = Locked(pos)
    }

    /// Appends a durable event to the outbox inside the caller's write. Returns its envelope.
    @discardableResult
    public func emit<T: Encodable>(
        _ db: SQLiteConnection, topic: String, type: String? = nil, trace: String = "",
        payload: T
    ) throws -> Envelope {
        try emit(db, topic: topic, type: type, trace: trace, data: try JSON.encode(payload))
    }

    /// Appends a durable event of `type` inside the caller's write. Returns its envelope.
    @discardableResult
    public func emit<P>(_ db: SQLiteConnection, _ type: EventType<P>, _ payload: P, trace: String = "") throws -> Envelope {
        try emit(db, topic: type.topic, trace: trace, data: try JSON.encode(payload))
    }

    /// Appends a durable event of `type` whose payload is already JSON.
    @discardableResult
    public func emit<P>(_ db: SQLiteConnection, _ type: EventType<P>, encoded data: Data, trace: String = "") throws -> Envelope {
        try emit(db, topic: type.topic, trace: trace, data: data)
    }

    /// Appends a durable event whose payload is already JSON.
    @discardableResult
    public func emit(
        _ db: SQLiteConnection, topic: String, type: String? = nil, trace: String = "", data: Data
    ) throws
        -> Envelope
    {
        guard Topic.isValid(topic) else { throw PosyError(.badRequest, "invalid topic '\(topic)'") }
        guard
            let seq = try db.queryOne(
                "INSERT INTO topic_heads(topic, seq) VALUES (?, 1) ON CONFLICT(topic) DO UPDATE SET seq = seq + 1 RETURNING seq",
                topic)?.int(0)
        else { throw SQLiteError(code: 1, message: "no seq returned for \(topic)") }
        guard let pos = try db.queryOne("UPDATE log_head SET pos = pos + 1 WHERE id = 1 RETURNING pos")?.int(0) else {
            throw SQLiteError(code: 1, message: "store has no log head (core migration 10001 missing)")
        }
        let envelope = Envelope(src: src, epoch: epoch, seq: seq, pos: pos, type: type ?? topic, trace: trace, data: data)
        let encoded = EnvelopeCodec.encode(envelope)
        try db.run(
            "INSERT INTO outbox(topic, seq, pos, envelope, created_at) VALUES (?, ?, ?, ?, ?)",
            topic, seq, pos, encoded, Date().timeIntervalSince1970)
        db.onCommit { [heads, logHead, publisher, metrics] in
            heads.withLock { h in if (h[topic] ?? 0) < seq { h[topic] = seq } }
            logHead.withLock { if $0 < pos { $0 = pos } }
            publisher?.post(topic: topic, envelope: encoded)
            metrics.increment("events_published")
        }
        return envelope
    }

    /// Head seq of every topic (committed events only).
    public var currentHeads: [String: Int64] { heads.withLock { $0 } }

    /// Position of the newest committed event in the store's log (0 before the first).
    public var currentPos: Int64 { logHead.withLock { $0 } }

    /// `events.since`: the store's durable events (every topic) with `pos > after`, in log order.
    /// When the oldest returned event is not `after + 1`, the ones between were pruned.
    public func since(_ request: EventsSinceRequest, store: Store, grant: [String] = [""]) async throws -> Data {
        guard request.epoch.isEmpty || request.epoch == epoch else {
            throw PosyError(.epochMismatch, "source \(src) is at epoch \(epoch), not \(request.epoch)")
        }
        let limit = max(0, min(request.limit, 5_000))
        // The caller's grant, in SQL: a page of events it may not read would look like the end.
        let readable = Self.topicFilter(grant)
        let (rows, head) = try await store.read { db -> ([Data], Int64) in
            let rows =
                limit == 0 || readable == nil
                ? []
                : try db.query(
                    "SELECT envelope FROM outbox WHERE pos > ?\(readable!.sql) ORDER BY pos LIMIT ?",
                    [.int(request.after)] + readable!.values + [.int(Int64(limit))]
                ).compactMap { $0.data(0) }
            return (rows, try db.queryOne("SELECT pos FROM log_head WHERE id = 1")?.int(0) ?? 0)
        }
        metrics.increment("events_since_served", by: Int64(rows.count))
        return ReplayBatch.encode(epoch: epoch, head: head, rawEvents: rows)
    }

    /// `events.replay`: events of `topic` after `after`, read from the outbox.
    public func replay(_ request: ReplayRequest, store: Store, grant: [String] = [""]) async throws -> Data {
        guard request.epoch.isEmpty || request.epoch == epoch else {
            throw PosyError(.epochMismatch, "source \(src) is at epoch \(epoch), not \(request.epoch)")
        }
        guard EventReaders.covers(grant, topic: request.topic) else {
            throw PosyError(.callerNotPermitted, "this identity may not read \(request.topic.prefix(200))")
        }
        let limit = max(1, min(request.limit, 5_000))
        let (rows, head) = try await store.read { db -> ([Data], Int64) in
            let rows = try db.query(
                "SELECT envelope FROM outbox WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?",
                request.topic, request.after, limit
            ).compactMap { $0.data(0) }
            let head = try db.queryOne("SELECT seq FROM topic_heads WHERE topic = ?", request.topic)?.int(0) ?? 0
            return (rows, head)
        }
        metrics.increment("events_replay_served", by: Int64(rows.count))
        return ReplayBatch.encode(epoch: epoch, head: head, rawEvents: rows)
    }

    /// A `WHERE` clause's tail limiting rows to the topics `grant` covers: empty for a grant of
    /// everything, nil for a grant of nothing.
    static func topicFilter(_ grant: [String]) -> (sql: String, values: [SQLValue])? {
        if grant.contains("") { return ("", []) }
        guard !grant.isEmpty else { return nil }
        let terms = grant.map { _ in "substr(topic, 1, ?) = ?" }.joined(separator: " OR ")
        return (" AND (\(terms))", grant.flatMap { [SQLValue.int(Int64($0.utf8.count)), .text($0)] })
    }

    /// Deletes outbox rows older than `hours` (they can no longer be replayed), and the events this
    /// store set aside as not applicable (`dead_events`) as long ago: they are copies of other
    /// stores' events, personal data included (docs/architecture.md, "Privacy"). Returns rows removed.
    @discardableResult
    public func prune(olderThanHours hours: Double, store: Store, now: Date = Date()) async throws -> Int {
        let cutoff = now.timeIntervalSince1970 - hours * 3600
        return try await store.write { db in
            try db.run("DELETE FROM outbox WHERE created_at < ?", cutoff) + db.run("DELETE FROM dead_events WHERE at < ?", cutoff)
        }
    }
}
