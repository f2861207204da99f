import Foundation
import PosyCore
import PosySchema
import PosyStore

extension LocationService {
    /// Moves the courier's deliveries on with the batch's newest fixes (device-time order): the
    /// shop's geofence (`delivery.departed`), the recipient's (`delivery.arriving`, once), the stuck
    /// watch, the signal, then the ETA and the delay check on the latest fix. `deliveries` are the
    /// courier's active ones as the ingest read them. Returns the live position to push after commit.
    func advance(
        _ db: SQLiteConnection, courier: CourierRow, deliveries active: [DeliveryRow], newest: [PositionFilter.Kept], now: Date
    ) throws -> [LivePosition] {
        guard let latest = newest.last else { return [] }
        var deliveries = active
        let shop = try db.queryOne("SELECT lat, lon FROM shops WHERE id = ?", courier.shopId)
            .flatMap { r -> (Double, Double)? in r.double(0).flatMap { lat in r.double(1).map { (lat, $0) } } }
        let nowSeconds = now.timeIntervalSince1970
        var customers: [LivePosition.CustomerView] = []
        let needsTrack = deliveries.contains { [.pickedUp, .outForDelivery, .arriving].contains($0.state) }
        let track = needsTrack ? try recentTrack(db, courier.id, adding: newest) : []
        for i in deliveries.indices {
            var d = deliveries[i]
            if d.isOut, d.signalLost {
                d.signalLost = false
                var a = d.alert(at: now)
                a.lat = latest.fix.lat
                a.lon = latest.fix.lon
                a.lastPositionAt = Timestamp.format(latest.time)
                _ = try events.emit(db, LocationEvents.signalRestored, a)
            }
            d.lastHeard = nowSeconds
            for k in newest {
                if d.state == .pickedUp, !d.departedSent, var fence = d.shopFence, let shop {
                    if fence.update(distance: Geo.distance(lat1: k.fix.lat, lon1: k.fix.lon, lat2: shop.0, lon2: shop.1)) == .left {
                        d.departedSent = true
                        d.departedAt = nowSeconds
                        var a = d.alert(at: now)
                        a.lat = k.fix.lat
                        a.lon = k.fix.lon
                        _ = try events.emit(db, LocationEvents.departed, a)
                    }
                    d.shopFence = fence
                }
                guard d.isOut, let lat = d.destLat, let lon = d.destLon else { continue }
                let distance = Geo.distance(lat1: k.fix.lat, lon1: k.fix.lon, lat2: lat, lon2: lon)
                if d.arrivalFence.update(distance: distance) == .entered, !d.arrivingSent {
                    d.arrivingSent = true
                    var a = d.alert(at: now)
                    a.lat = k.fix.lat
                    a.lon = k.fix.lon
                    a.distanceMeters = distance.rounded()
                    _ = try events.emit(db, LocationEvents.arriving, a)
                }
                switch d.nearFence.update(distance: distance) {
                case .entered: d.nearSince = k.time.timeIntervalSince1970
                case .left:
                    d.nearSince = nil
                    d.stuckSent = false
                case nil: break
                }
            }
            if [.pickedUp, .outForDelivery, .arriving].contains(d.state), let lat = d.destLat, let lon = d.destLon,
                let e = config.estimator.estimate(track: track, toLat: lat, lon: lon, vehicle: d.vehicle ?? courier.vehicle)
            {
                let correction = try Self.correction(db, shop: d.shopId)
                let travel = e.seconds - config.handOver
                let seconds = travel * correction + config.handOver
                if d.isOut, d.predictedAtDeparture == nil { d.predictedAtDeparture = e.seconds }
                d.etaSeconds = seconds
                d.etaFromTrack = e.fromTrack
                d.predictedArrival = max(latest.time.timeIntervalSince1970 + seconds, nowSeconds)
                try checkRisk(db, &d, now: now, lat: latest.fix.lat, lon: latest.fix.lon)
            }
            try d.save(db)
            deliveries[i] = d
            if d.isShared, let customer = d.customerId {
                customers.append(
                    .init(
                        customerId: customer, conversationId: d.conversationId,
                        view: Self.view(d, position: courier.position(now: now, fix: latest), now: now)))
            }
        }
        let orderIds = deliveries.filter { $0.isActive }.map(\.orderId).sorted()
        guard var position = courier.position(now: now, fix: latest, orderIds: orderIds) else { return [] }
        position.arrivals = Self.arrivals(deliveries)
        return [LivePosition(shopId: courier.shopId, courier: position, customers: customers)]
    }

    /// The predicted arrival of each active delivery that has one; nil when none has.
    static func arrivals(_ deliveries: [DeliveryRow]) -> [String: String]? {
        var arrivals: [String: String] = [:]
        for d in deliveries where d.isActive {
            if let at = d.predictedArrival { arrivals[d.orderId] = Timestamp.format(Date(timeIntervalSince1970: at)) }
        }
        return arrivals.isEmpty ? nil : arrivals
    }

    /// Raises `delivery.delayRisk` when the predicted arrival passed the window's end minus the
    /// margin: once per crossing, again only when the prediction worsened by `riskWorsening`. A
    /// prediction back well inside the window (two minutes under the threshold) ends the crossing.
    /// Returns whether it raised one.
    @discardableResult
    func checkRisk(_ db: SQLiteConnection, _ d: inout DeliveryRow, now: Date, lat: Double?, lon: Double?) throws -> Bool {
        guard let predicted = d.predictedArrival, let end = d.windowEndTime else { return false }
        let lateBy = predicted - end
        let threshold = end - config.riskMargin
        if predicted > threshold {
            guard !d.riskActive || lateBy - (d.riskLateBy ?? lateBy) >= config.riskWorsening else { return false }
            d.riskActive = true
            d.riskLateBy = lateBy
            var a = d.alert(at: now)
            a.lat = lat
            a.lon = lon
            a.etaSeconds = d.etaSeconds?.rounded()
            a.predictedArrival = Timestamp.format(Date(timeIntervalSince1970: predicted))
            a.lateBySeconds = lateBy.rounded()
            if let lat, let lon, let dl = d.destLat, let dn = d.destLon {
                a.distanceMeters = Geo.distance(lat1: lat, lon1: lon, lat2: dl, lon2: dn).rounded()
            }
            _ = try events.emit(db, LocationEvents.delayRisk, a)
            metrics.increment("delay_risks")
            return true
        } else if predicted < threshold - 120, d.riskActive {
            d.riskActive = false
            d.riskLateBy = nil
        }
        return false
    }

    /// The courier's kept fixes of the last averaging window, newest last: from memory, or from the
    /// store (which already holds this batch) on first use; memory is updated once the batch committed.
    func recentTrack(_ db: SQLiteConnection, _ courierId: String, adding newest: [PositionFilter.Kept]) throws -> [ETAEstimator.Point] {
        guard let latest = newest.last?.time else { return [] }
        let from = latest.addingTimeInterval(-config.estimator.averagingWindow)
        var track: [ETAEstimator.Point]
        if let cached = tracks.withLock({ $0[courierId] }) {
            track = cached + newest.map { ETAEstimator.Point(time: $0.time, lat: $0.fix.lat, lon: $0.fix.lon) }
            if let last = cached.last, let first = newest.first, first.time < last.time { track.sort { $0.time < $1.time } }
            track.removeAll { $0.time < from }
        } else {
            track = try db.query(
                "SELECT t, lat, lon FROM positions WHERE courier_id = ? AND t >= ? ORDER BY t",
                courierId, from.timeIntervalSince1970
            )
            .map { ETAEstimator.Point(time: Date(timeIntervalSince1970: $0.double(0)!), lat: $0.double(1)!, lon: $0.double(2)!) }
        }
        let kept = track
        db.onCommit { self.tracks.withLock { $0[courierId] = kept } }
        return track
    }

    /// What the order's tracking shows for a position.
    static func view(_ d: DeliveryRow, position: CourierPosition?, now: Date) -> TrackingView {
        // The order's view names no courier id and no other orders.
        var position = position
        position?.courierId = nil
        position?.orderIds = nil
        position?.appInBackground = nil
        var distance: Double?
        if let p = position, let lat = d.destLat, let lon = d.destLon {
            distance = Geo.distance(lat1: p.lat, lon1: p.lon, lat2: lat, lon2: lon).rounded()
        }
        var eta: TrackingView.ETA?
        if let at = d.predictedArrival, d.etaSeconds != nil {
            eta = TrackingView.ETA(
                seconds: max(0, at - now.timeIntervalSince1970).rounded(),
                at: Timestamp.format(Date(timeIntervalSince1970: at)), fromTrack: d.etaFromTrack ?? false)
        }
        return TrackingView(
            orderId: d.orderId, state: d.state, position: position, distanceMeters: distance,
            eta: position == nil ? nil : eta, windowEnd: d.windowEnd)
    }
}
