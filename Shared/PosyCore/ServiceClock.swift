import Foundation
import PosySchema
import PosyStore

/// The time a service goes by: the real clock, or a test clock that starts where it is told and
/// stands still until `clock.advance` moves it, so tests drive hours of a delivery in seconds.
/// A test clock's time is kept in the store's `meta` table: after a crash and restart the service
/// goes on from where it was, never back in time.
public final class ServiceClock: Sendable {
    private let test: Locked<Date?>
    /// Bumped whenever a test clock moves, so loops waiting for a due time look again.
    package let advanced = ChangeSignal()

    /// The real clock.
    public init() { test = Locked(nil) }

    /// A test clock starting at `start`, or where the store's clock stood if that is later.
    public init(testStart start: Date, store: Store?) async throws {
        var now = start
        if let store,
            let saved = try await store.read({ db in
                try db.queryOne("SELECT value FROM meta WHERE key = 'test_clock'")?.string(0)
            }), let t = Double(saved)
        {
            now = max(now, Date(timeIntervalSince1970: t))
        }
        test = Locked(now)
    }

    public var isTest: Bool { test.value != nil }

    public func now() -> Date { test.value ?? Date() }

    /// Moves a test clock forward by `seconds` and saves where it stands; returns the new time.
    public func advance(_ seconds: Double, store: Store?) async throws -> Date {
        guard seconds.isFinite, seconds >= 0 else { throw PosyError(.invalidField, "seconds: must be 0 or more") }
        guard isTest else { throw PosyError(.forbidden, "this service runs on the real clock") }
        let now = test.withLock { t -> Date in
            let n = (t ?? Date()).addingTimeInterval(seconds)
            t = n
            return n
        }
        try await store?.write { db in
            try db.run(
                "INSERT INTO meta(key, value) VALUES ('test_clock', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                String(now.timeIntervalSince1970))
        }
        advanced.bump()
        return now
    }

    /// Serves `clock.advance` when this is a test clock.
    public func register(on rpc: RPCServer, store: Store?) {
        guard isTest else { return }
        rpc.register(RPCMethod.clockAdvance) { r in
            ClockAdvance.Reply(now: Timestamp.format(try await self.advance(r.seconds, store: store)))
        }
    }
}
