import Foundation
import Logging
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

extension OrdersService {
    /// Fires every timer that is due by the service clock: its effect, its event and its `fired_at`
    /// commit together, so a timer fires exactly once across crashes and restarts. Returns how many fired.
    @discardableResult
    public func fireDueTimers() async throws -> Int {
        let nowDate = clock()
        let now = Timestamp.format(nowDate)
        let events = self.events
        return try await store.write { db -> Int in
            let due = try db.query(
                "SELECT id, kind, ref, arg, due_at FROM timers WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT 500",
                nowDate.timeIntervalSince1970)
            for row in due {
                let (kind, ref, arg) = (row.string(1)!, row.string(2)!, row.string(3))
                let dueAt = Timestamp.format(Date(timeIntervalSince1970: row.double(4)!))
                switch kind {
                case "assignment":
                    // Still waiting for the same courier? Then the shop must hear of it.
                    if let order = try Self.load(db, ref), order.state == .assigned, order.courierId == arg {
                        let assignedAt = try db.queryOne(
                            "SELECT at FROM order_timeline WHERE order_id = ? AND state = 'assigned' ORDER BY n DESC LIMIT 1", ref)?.string(
                                0)
                        try events.emit(
                            db, OrdersEvents.assignmentUnacknowledged,
                            AssignmentUnacknowledged(
                                orderId: order.id, shopId: order.shopId, courierId: arg ?? "", assignedAt: assignedAt ?? "", deadline: dueAt
                            ))
                    }
                case "exception-ack":
                    if var e = try Self.loadException(db, ref), e.state == .open {
                        e.escalatedAt = now
                        try Self.saveException(db, e)
                        try events.emit(db, OrdersEvents.exceptionEscalated, e)
                    }
                default:
                    break
                }
                try db.run("UPDATE timers SET fired_at = ? WHERE id = ?", nowDate.timeIntervalSince1970, row.int(0)!)
            }
            return due.count
        }
    }

    /// Arms a timer inside the caller's write; the loop hears of it once that commits.
    func armTimer(_ db: SQLiteConnection, kind: String, ref: String, arg: String?, due: Double) throws {
        try db.run("INSERT INTO timers(kind, ref, arg, due_at) VALUES (?, ?, ?, ?)", kind, ref, arg, due)
        db.onCommit { self.timerWake.bump() }
    }

    /// Seconds until the next unfired timer is due; nil with none.
    func nextTimerIn() async throws -> Double? {
        let now = clock().timeIntervalSince1970
        return try await store.read { db in
            try db.queryOne("SELECT min(due_at) FROM timers WHERE fired_at IS NULL")?.double(0).map { max(0, $0 - now) }
        }
    }

    /// Fires timers as they come due until graceful shutdown (a service of the group): it sleeps
    /// until the next one is due or a commit arms one.
    public func timerService() -> some Service {
        DueLoop(
            wake: timerWake, page: 500, pass: { try await self.fireDueTimers() }, next: { try await self.nextTimerIn() },
            failed: { Logger(label: "posy.orders").error("firing timers failed", metadata: ["error": "\($0)"]) })
    }
}
