import Foundation
import PosyCore
import PosySchema
import PosyStore
import ServiceLifecycle

extension LocationService {
    /// Checks what time alone decides, on the service clock: a courier out for delivery silent for
    /// `signalLostAfter` (`delivery.signalLost`), one near the door for `stuckAfter` without a proof
    /// (`delivery.stuck`), and a prediction that time overtook (no arrival by the predicted time: at
    /// least now plus the hand-over), which may make a delay risk. Each event commits with the state
    /// that says it fired, so it fires once across crashes. Returns how many events were raised.
    @discardableResult
    public func sweep() async throws -> Int {
        let now = clock()
        let config = self.config
        // Find what is due on a reader: the writer (and every position waiting on it) is held only
        // for the deliveries that change, not for reading all of them each second.
        let due = try await store.read { db in
            try DeliveryRow.allActive(db).filter { Self.sweepDue($0, now: now, config: config) }.map(\.orderId)
        }
        guard !due.isEmpty else { return 0 }
        return try await store.write { db -> Int in
            var raised = 0
            for id in due {
                // Read again inside the write: a position may have moved it on since.
                guard var d = try DeliveryRow.load(db, id), d.isActive, Self.sweepDue(d, now: now, config: config) else { continue }
                raised += try self.sweep(db, &d, now: now)
            }
            return raised
        }
    }

    /// Whether time alone changes something about `d` now.
    static func sweepDue(_ d: DeliveryRow, now: Date, config: LocationConfig) -> Bool {
        let nowSeconds = now.timeIntervalSince1970
        if d.isOut, !d.signalLost, let heard = d.lastHeard, nowSeconds - heard >= config.signalLostAfter { return true }
        if d.isOut, !d.stuckSent, let since = d.nearSince, nowSeconds - since >= config.stuckAfter { return true }
        if let predicted = d.predictedArrival, predicted < nowSeconds + config.handOver { return true }
        return false
    }

    /// The sweep of one delivery, in the write that saves it. Returns the events raised.
    func sweep(_ db: SQLiteConnection, _ d: inout DeliveryRow, now: Date) throws -> Int {
        let nowSeconds = now.timeIntervalSince1970
        let before = d
        var raised = 0
        if d.isOut, !d.signalLost, let heard = d.lastHeard, nowSeconds - heard >= config.signalLostAfter {
            d.signalLost = true
            var a = d.alert(at: now)
            a.lastPositionAt = try db.queryOne("SELECT last_t FROM couriers WHERE id = ?", d.courierId)?
                .double(0).map { Timestamp.format(Date(timeIntervalSince1970: $0)) }
            _ = try events.emit(db, LocationEvents.signalLost, a)
            raised += 1
        }
        if d.isOut, !d.stuckSent, let since = d.nearSince, nowSeconds - since >= config.stuckAfter {
            d.stuckSent = true
            var a = d.alert(at: now)
            a.since = Timestamp.format(Date(timeIntervalSince1970: since))
            if let c = try CourierRow.load(db, d.courierId ?? ""), let last = c.last {
                a.lat = last.lat
                a.lon = last.lon
                if let lat = d.destLat, let lon = d.destLon {
                    a.distanceMeters = Geo.distance(lat1: last.lat, lon1: last.lon, lat2: lat, lon2: lon).rounded()
                }
            }
            _ = try events.emit(db, LocationEvents.stuck, a)
            raised += 1
        }
        if let predicted = d.predictedArrival, predicted < nowSeconds + config.handOver {
            // Not there yet at the predicted time: the hand-over is still ahead.
            d.predictedArrival = nowSeconds + config.handOver
            if try checkRisk(db, &d, now: now, lat: nil, lon: nil) { raised += 1 }
        }
        if d != before { try d.save(db) }
        return raised
    }

    /// Deletes positions older than the retention, courier by courier (on the time index).
    @discardableResult
    public func prunePositions() async throws -> Int {
        let cutoff = clock().timeIntervalSince1970 - config.retention
        return try await store.write { db -> Int in
            var n = 0
            for r in try db.query("SELECT id FROM couriers") {
                n += try db.run("DELETE FROM positions WHERE courier_id = ? AND t < ?", r.string(0)!, cutoff)
            }
            return n
        }
    }

    /// Runs ``sweep()`` every `sweepInterval` and the retention every ten minutes until graceful shutdown.
    public func sweepService() -> some Service { SweepLoop(service: self) }

    struct SweepLoop: Service {
        let service: LocationService

        func run() async throws {
            var lastPrune = ContinuousClock.now - .seconds(3600)
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    try await service.sweep()
                    if ContinuousClock.now - lastPrune > .seconds(600) {
                        lastPrune = .now
                        let n = try await service.prunePositions()
                        if n > 0 { service.logger.info("positions past retention deleted", metadata: ["count": "\(n)"]) }
                    }
                } catch {
                    service.logger.warning("location sweep failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: service.config.sweepInterval)
            }
        }
    }
}
