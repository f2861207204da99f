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
///
/// The outbox is where seqs and positions are kept: a topic's head is its newest row, or what
/// `topic_heads` and `log_head` held when ``prune(olderThanHours:store:now:)`` last deleted rows.
/// The writer counts on from there in memory, so an event is one insert; any rollback on the
/// writer's connection makes the next emit read the outbox again.
public final class EventLog: Sendable {
    public let src: String
    public let epoch: String
    private let heads: Locked<[String: Int64]>
    private let logHead: Locked<Int64>
    private let publisher: BusPublisher?
    private let metrics: Metrics
    /// The last seq and position given out on the writer's connection, valid while it has rolled
    /// nothing back since they were read (writer thread only; the lock is never contended).
    private let assigned = Mutex(Assigned())

    struct Assigned {
        var connection: ObjectIdentifier?
        var rollbacks = 0
        var seqs: [String: Int64] = [:]
        var pos: Int64?
    }

    public init(store: Store, src: String, publisher: BusPublisher?, metrics: Metrics) async throws {
        self.src = src
        self.publisher = publisher
        self.metrics = metrics
        let (epoch, heads, pos) = try await store.read { db -> (String, [String: Int64], Int64) in
            guard let e = try db.queryOne("SELECT value FROM meta WHERE key = 'epoch'")?.string(0) else {
                throw SQLiteError(code: 1, message: "store has no epoch (core migration missing)")
            }
            let (h, p) = try Self.storedHeads(db)
            return (e, h, p)
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
        let (seq, pos) = try assigned.withLock { a -> (Int64, Int64) in
            if a.connection != ObjectIdentifier(db) || a.rollbacks != db.rollbacks {
                a = Assigned(connection: ObjectIdentifier(db), rollbacks: db.rollbacks)
            }
            let last = try a.seqs[topic] ?? Self.storedSeq(db, topic: topic)
            let lastPos = try a.pos ?? Self.storedPos(db)
            return (last + 1, lastPos + 1)
        }
        let envelope = Envelope(src: src, epoch: epoch, seq: seq, pos: pos, type: type ?? topic, trace: trace, data: data)
        let encoded = EnvelopeCodec.encode(envelope)
        try db.run(
            "INSERT INTO outbox(topic, seq, pos, envelope, created_at) VALUES (?, ?, ?, ?, ?)",
            topic, seq, pos, encoded, Date().timeIntervalSince1970)
        // Counted only once the row is in: an insert that failed gives its numbers to the next.
        assigned.withLock { a in
            guard a.connection == ObjectIdentifier(db), a.rollbacks == db.rollbacks else { return }
            a.seqs[topic] = seq
            a.pos = pos
        }
        db.onCommit { [heads, logHead, publisher, metrics] in
            heads.withLock { h in if (h[topic] ?? 0) < seq { h[topic] = seq } }
            logHead.withLock { if $0 < pos { $0 = pos } }
            publisher?.post(topic: topic, envelope: encoded)
            metrics.increment("events_published")
        }
        return envelope
    }

    /// The newest seq of `topic` in the store: its newest outbox row, or the head kept when older rows were pruned.
    static func storedSeq(_ db: SQLiteConnection, topic: String) throws -> Int64 {
        try db.queryOne(
            "SELECT max(coalesce((SELECT max(seq) FROM outbox WHERE topic = ?1), 0), coalesce((SELECT seq FROM topic_heads WHERE topic = ?1), 0))",
            topic)?.int(0) ?? 0
    }

    /// The newest position in the store's log, likewise.
    static func storedPos(_ db: SQLiteConnection) throws -> Int64 {
        try db.queryOne(
            "SELECT max(coalesce((SELECT max(pos) FROM outbox), 0), coalesce((SELECT pos FROM log_head WHERE id = 1), 0))")?.int(0) ?? 0
    }

    /// Every topic's head and the log's position as the store holds them (a live store, or a backup's copy).
    public static func storedHeads(_ db: SQLiteConnection) throws -> (heads: [String: Int64], pos: Int64) {
        var heads: [String: Int64] = [:]
        let rows = try db.query(
            "SELECT topic, max(seq) FROM (SELECT topic, seq FROM topic_heads UNION ALL SELECT topic, max(seq) FROM outbox GROUP BY topic) GROUP BY topic"
        )
        for row in rows { heads[row.string(0)!] = row.int(1)! }
        return (heads, try storedPos(db))
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
            return (rows, try Self.storedPos(db))
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
            let head = try Self.storedSeq(db, topic: request.topic)
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
    ///
    /// The outbox is read from its oldest position up to the first row younger than the cutoff, so
    /// no index on time has to be kept up by every event; a clock set back holds older rows only
    /// until the row before them is old enough.
    @discardableResult
    public func prune(olderThanHours hours: Double, store: Store, now: Date = Date()) async throws -> Int {
        let cutoff = now.timeIntervalSince1970 - hours * 3600
        return try await store.write { db in
            let young = try db.queryOne("SELECT pos FROM outbox WHERE created_at >= ? ORDER BY pos LIMIT 1", cutoff)?.int(0)
            let end = try young ?? (Self.storedPos(db) + 1)
            // The heads outlive the rows that held them: the next seq of a topic whose every row goes is still the next.
            try db.run(
                """
                INSERT INTO topic_heads(topic, seq) SELECT topic, max(seq) FROM outbox WHERE pos < ?1 GROUP BY topic
                ON CONFLICT(topic) DO UPDATE SET seq = max(seq, excluded.seq)
                """, end)
            try db.run("UPDATE log_head SET pos = max(pos, coalesce((SELECT max(pos) FROM outbox WHERE pos < ?1), 0)) WHERE id = 1", end)
            return try db.run("DELETE FROM outbox WHERE pos < ?", end) + db.run("DELETE FROM dead_events WHERE at < ?", cutoff)
        }
    }
}
