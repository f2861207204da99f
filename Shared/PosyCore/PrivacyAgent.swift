import Foundation
import Logging
import PosySchema
import PosyStore
import ServiceLifecycle

/// One store's part of an erasure (docs/architecture.md, "Privacy"). It applies `privacy.erasure`
/// exactly once, in the transaction that advances the cursor: the service's `forget` rewrites or
/// deletes its rows of the erased orders, and the agent scrubs the store's own outbox of them. The
/// report, `privacy.forgotten`, goes out only after the service's `cleanUp` (files outside the store)
/// and a TRUNCATE checkpoint took the old bytes out of the WAL; an applied erasure waits in
/// `privacy_pending` until then, so a crash in between resumes at the next start.
public final class PrivacyAgent: Service, Sendable {
    /// Forgets the orders' personal data inside the transaction; returns what it changed, by kind.
    public typealias Forget = @Sendable (SQLiteConnection, ErasureWork, PersonalScrub) throws -> [String: Int]

    let store: Store
    let events: EventLog
    let logger: Logger
    let forget: Forget
    let cleanUp: (@Sendable () async -> Void)?
    let outboxKeys: Set<String>
    let clock: @Sendable () -> Date
    private let wake = ChangeSignal()

    /// `outboxKeys`: members nulled wherever they occur in the erased orders' outbox events, for
    /// personal fields whose values the person's strings may not match (a name a courier typed).
    public init(
        host: ServiceHost, clock: @escaping @Sendable () -> Date = { Date() }, outboxKeys: Set<String> = [],
        cleanUp: (@Sendable () async -> Void)? = nil, forget: @escaping Forget
    ) {
        guard let store = host.store, let events = host.events else { preconditionFailure("an erasure needs a store") }
        self.store = store
        self.events = events
        self.logger = host.logger
        self.forget = forget
        self.cleanUp = cleanUp
        self.outboxKeys = outboxKeys
        self.clock = clock
        host.on(PrivacyEvents.erasure) { [self] db, work in try apply(db, work) }
    }

    func apply(_ db: SQLiteConnection, _ work: ErasureWork) throws {
        let scrub = PersonalScrub(needles: work.needles)
        var counts = try forget(db, work, scrub)
        let outbox = try Self.scrubOutbox(
            db, orders: work.orders.map(\.orderId), scrub: scrub, keys: work.forgets == .person ? outboxKeys : [], skip: [])
        if outbox > 0 { counts["outbox", default: 0] += outbox }
        let dead = try Self.scrubDeadEvents(
            db, orders: work.orders.map(\.orderId), scrub: scrub, keys: work.forgets == .person ? outboxKeys : [])
        if dead > 0 { counts["deadEvents", default: 0] += dead }
        try db.run(
            "INSERT INTO privacy_pending(request_id, counts) VALUES (?, ?) ON CONFLICT(request_id) DO NOTHING", work.requestId,
            try JSON.encode(counts))
        db.onCommit { [wake] in wake.bump() }
    }

    /// Rewrites the outbox events of `orders` without the person's strings and positions; events of
    /// the topics in `skip` are left. Returns how many changed.
    public static func scrubOutbox(
        _ db: SQLiteConnection, orders: [String], scrub: PersonalScrub, keys: Set<String> = [], skip: Set<String>
    ) throws -> Int {
        var changed = 0
        for order in orders where !order.isEmpty {
            for row in try db.query("SELECT topic, seq, envelope FROM outbox WHERE instr(CAST(envelope AS TEXT), ?) > 0", order) {
                guard let topic = row.string(0), !skip.contains(topic), let seq = row.int(1),
                    let scrubbed = Self.scrubbed(row.data(2), scrub: scrub, keys: keys)
                else { continue }
                try db.run("UPDATE outbox SET envelope = ? WHERE topic = ? AND seq = ?", scrubbed, topic, seq)
                changed += 1
            }
        }
        return changed
    }

    /// Rewrites the events this store set aside (`dead_events`: another store's events it could not
    /// apply) that concern `orders` without the person's strings and positions: they are copies of
    /// those stores' events, and an erasure leaves no copy behind. Returns how many changed.
    public static func scrubDeadEvents(_ db: SQLiteConnection, orders: [String], scrub: PersonalScrub, keys: Set<String> = []) throws -> Int
    {
        var changed = 0
        for order in orders where !order.isEmpty {
            for row in try db.query("SELECT rowid, envelope FROM dead_events WHERE instr(CAST(envelope AS TEXT), ?) > 0", order) {
                guard let id = row.int(0), let scrubbed = Self.scrubbed(row.data(1), scrub: scrub, keys: keys) else { continue }
                try db.run("UPDATE dead_events SET envelope = ? WHERE rowid = ?", scrubbed, id)
                changed += 1
            }
        }
        return changed
    }

    /// A stored envelope without the person's strings and positions; nil when it holds none of them.
    static func scrubbed(_ raw: Data?, scrub: PersonalScrub, keys: Set<String>) -> Data? {
        guard let raw, var envelope = try? EnvelopeCodec.decode(raw), let data = scrub.data(envelope.data, coordinates: true, keys: keys)
        else { return nil }
        envelope.data = data
        return EnvelopeCodec.encode(envelope)
    }

    /// Reports every applied erasure once the store's files no longer hold what it removed.
    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                let seen = wake.generation
                // Idle, nothing is armed; only an erasure whose WAL could not be emptied is retried.
                let retry = await reportPending()
                await wake.wait(after: seen, timeout: retry ? .seconds(5) : nil)
            }
        }
    }

    /// Returns whether pending erasures must be tried again.
    func reportPending() async -> Bool {
        guard let pending = try? await store.read({ db in try db.query("SELECT request_id, counts FROM privacy_pending") }),
            !pending.isEmpty
        else { return false }
        await cleanUp?()
        guard await store.truncateWAL() else {
            logger.warning("erasure waits: the WAL could not be emptied yet", metadata: ["requests": "\(pending.count)"])
            return true
        }
        let instance = events.src
        let at = Timestamp.format(clock())
        for row in pending {
            guard let id = row.string(0) else { continue }
            let counts = (try? JSON.decode([String: Int].self, from: row.data(1) ?? Data())) ?? [:]
            do {
                try await store.write { [events] db in
                    guard try db.run("DELETE FROM privacy_pending WHERE request_id = ?", id) > 0 else { return }
                    try events.emit(db, PrivacyEvents.forgotten, ErasureReport(requestId: id, instance: instance, counts: counts, at: at))
                }
                logger.info("erasure done", metadata: ["request": "\(id)", "counts": "\(counts)"])
            } catch {
                logger.error("erasure report failed", metadata: ["request": "\(id)", "error": "\(error)"])
                return true
            }
        }
        return false
    }
}
