import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosyStore

extension LocationService {
    /// `location.ingest`: a courier's batch of positions. Only a courier on duty may send; the batch
    /// is filtered (``PositionFilter``) against the courier's stored neighbours, the good points are
    /// stored whatever is wrong with the others, the newest ones move the courier's deliveries on
    /// (geofences, ETA, alerts), and the live position is pushed after commit. A batch whose every
    /// point is bad input is refused (422) with the reason of each.
    public func ingest(_ r: LocationRPC.IngestRequest, for viewer: Viewer) async throws -> IngestReply {
        guard case .user(let courierId, .courier, let shop, _) = viewer else {
            throw PosyError(.forbidden, "only couriers send positions")
        }
        guard r.positions.count <= LocationRPC.maxBatch else {
            throw PosyError(.tooLarge, "a batch holds at most \(LocationRPC.maxBatch) positions, this one \(r.positions.count)")
        }
        guard !r.positions.isEmpty else { throw PosyError(.invalidField, "positions: at least one") }
        let now = clock()
        let (reply, pushes) = try await store.write { db in try self.ingest(db, r.positions, courier: courierId, shop: shop, now: now) }
        metrics.increment("positions_accepted", by: Int64(reply.accepted))
        send(pushes, now: now)
        return reply
    }

    /// A courier's batch judged and stored inside a write; returns the answer and the live positions
    /// to push once committed.
    func ingest(
        _ db: SQLiteConnection, _ positions: [PositionFix], courier courierId: String, shop: String?, now: Date
    ) throws -> (IngestReply, [LivePosition]) {
        let filter = config.filter
        guard let courier = try CourierRow.load(db, courierId), courier.shopId == shop, courier.onDuty else {
            throw PosyError(.offDuty, "courier \(courierId) is not on duty: positions are taken only from couriers on duty")
        }
        // While a delivery is under way, its courier's fixes start at its assignment: one dated
        // earlier is no part of it, and must not become part of its evidence later.
        let deliveries = try DeliveryRow.active(db, courier: courierId)
        let assigned = deliveries.compactMap(\.assignedAt).min()
        let screened = filter.screen(positions, now: now, notBefore: assigned.map { Date(timeIntervalSince1970: $0) })
        let result = filter.judge(screened, stored: try self.anchors(db, courier, screened.candidates))
        let received = now.timeIntervalSince1970
        for k in result.kept {
            try db.run(
                """
                INSERT INTO positions(courier_id, t, lat, lon, accuracy, speed, heading, received) VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT(courier_id, t) DO NOTHING
                """, courierId, k.time.timeIntervalSince1970, k.fix.lat, k.fix.lon, k.fix.accuracy, k.fix.speed, k.fix.heading, received
            )
        }
        // Only fixes newer than the courier's latest move them on; older ones are history.
        let newest = result.kept.filter { k in courier.last.map { k.time > $0.time } ?? true }
        var pushes: [LivePosition] = []
        if let latest = newest.last {
            try db.run(
                """
                UPDATE couriers SET last_t = ?, last_lat = ?, last_lon = ?, last_accuracy = ?, last_speed = ?, last_heading = ?,
                  last_received = ?, app_background = 0 WHERE id = ?
                """, latest.time.timeIntervalSince1970, latest.fix.lat, latest.fix.lon, latest.fix.accuracy, latest.fix.speed,
                latest.fix.heading, received, courierId)
            pushes = try self.advance(db, courier: courier, deliveries: deliveries, newest: newest, now: now)
        }
        let dropped = result.dropped.sorted { $0.key < $1.key }.map { DroppedFix(index: $0.key, reason: $0.value) }
        for d in dropped { self.metrics.increment("positions_dropped_\(d.reason.rawValue)") }
        if result.kept.isEmpty, let bad = dropped.first(where: { Self.inputReasons.contains($0.reason) }) {
            let list = dropped.prefix(20).map { "#\($0.index) \($0.reason.rawValue)" }.joined(separator: ", ")
            throw PosyError(.invalidField, "no position kept: \(list)\(dropped.count > 20 ? ", …" : "") (first: #\(bad.index))")
        }
        return (IngestReply(accepted: result.kept.count, dropped: dropped), pushes)
    }

    /// `location.ingestBatch`: couriers' fixes a gateway gathered, each item judged as
    /// ``ingest(_:for:)`` judges it for its courier, with its own outcome — one courier off duty or
    /// sending nonsense fails only its item. One write for them all, each item in its own savepoint
    /// (docs/architecture.md, "Location").
    public func ingest(_ r: LocationRPC.IngestBatchRequest) async throws -> LocationRPC.IngestBatchReply {
        guard r.items.count <= LocationRPC.maxBatchCouriers else {
            throw PosyError(.tooLarge, "a gathered batch names at most \(LocationRPC.maxBatchCouriers) couriers, this one \(r.items.count)")
        }
        let points = r.items.reduce(0) { $0 + $1.positions.count }
        guard points <= LocationRPC.maxBatch else {
            throw PosyError(.tooLarge, "a gathered batch holds at most \(LocationRPC.maxBatch) positions, this one \(points)")
        }
        let now = clock()
        let done = try await store.write { db -> [(LocationRPC.IngestBatchReply.Outcome, [LivePosition])] in
            var done: [(LocationRPC.IngestBatchReply.Outcome, [LivePosition])] = []
            done.reserveCapacity(r.items.count)
            for item in r.items {
                do {
                    guard !item.positions.isEmpty else { throw PosyError(.invalidField, "positions: at least one") }
                    // Each item in a savepoint of its own: one refused leaves nothing half written.
                    let (reply, pushes) = try db.savepoint {
                        try self.ingest(db, item.positions, courier: item.courier, shop: item.shop, now: now)
                    }
                    done.append((.init(reply: reply), pushes))
                } catch let e as PosyError {
                    done.append((.init(error: e), []))
                }
                // Anything else (the store failing) fails the whole call, as it would each item.
            }
            return done
        }
        for (outcome, pushes) in done {
            metrics.increment("positions_accepted", by: Int64(outcome.reply?.accepted ?? 0))
            send(pushes, now: now)
        }
        return LocationRPC.IngestBatchReply(results: done.map(\.0))
    }

    /// Reasons that mean the client sent something wrong (as opposed to a repeat or a glitch).
    static let inputReasons: Set<DropReason> = [.invalidCoordinates, .inaccurate, .badTime, .future, .tooOld, .beforeAssignment]

    /// The stored fixes a batch is judged against: the courier's latest when the whole batch is
    /// newer (the live case), else the stored ones around the batch's time span and the nearest
    /// one on either side of it.
    func anchors(_ db: SQLiteConnection, _ courier: CourierRow, _ candidates: [PositionFilter.Kept]) throws -> [PositionFilter.Anchor] {
        guard let last = courier.last else { return [] }
        guard let lo = candidates.first?.time.timeIntervalSince1970, let hi = candidates.last?.time.timeIntervalSince1970 else {
            return [last]
        }
        if lo > last.time.timeIntervalSince1970 { return [last] }
        func anchors(_ rows: [SQLRow]) -> [PositionFilter.Anchor] {
            rows.map {
                PositionFilter.Anchor(
                    time: Date(timeIntervalSince1970: $0.double(0)!), lat: $0.double(1)!, lon: $0.double(2)!,
                    accuracy: $0.double(3)!)
            }
        }
        let columns = "t, lat, lon, accuracy"
        var result = anchors(
            try db.query(
                "SELECT \(columns) FROM positions WHERE courier_id = ? AND t BETWEEN ? AND ?",
                courier.id, lo, hi))
        result += anchors(
            try db.query(
                "SELECT \(columns) FROM positions WHERE courier_id = ? AND t < ? ORDER BY t DESC LIMIT 1",
                courier.id, lo))
        result += anchors(
            try db.query(
                "SELECT \(columns) FROM positions WHERE courier_id = ? AND t > ? ORDER BY t LIMIT 1",
                courier.id, hi))
        return result
    }
}
