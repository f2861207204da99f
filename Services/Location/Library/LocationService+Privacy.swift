import Foundation
import PosyCore
import PosySchema
import PosyStore

extension LocationService {
    /// Forgets where erased orders went (docs/architecture.md, "Privacy"): each delivery's destination;
    /// its times and ETA record stay. The courier's own track is theirs, kept by its own retention.
    public func registerPrivacy(on host: ServiceHost) -> PrivacyAgent {
        host.rpc.register(PrivacyRPC.exportPart) { r, _ in try await self.exportPart(r) }
        return PrivacyAgent(host: host, clock: clock) { db, work, _ in
            var counts: [String: Int] = [:]
            if let courier = work.courierId {
                // A courier who left: their whole track; each delivery keeps its distance and times.
                counts["positions"] = try db.run("DELETE FROM positions WHERE courier_id = ?", courier)
                try db.run(
                    """
                    UPDATE couriers SET last_t = NULL, last_lat = NULL, last_lon = NULL, last_accuracy = NULL, last_speed = NULL,
                      last_heading = NULL WHERE id = ?
                    """, courier)
            }
            for target in work.orders {
                guard var d = try DeliveryRow.load(db, target.orderId), d.destLat != nil || d.destLon != nil else { continue }
                d.destLat = nil
                d.destLon = nil
                try d.save(db)
                counts["deliveries", default: 0] += 1
            }
            return counts
        }
    }

    /// posy-location's part of an export: each delivery's destination and times (the courier's
    /// track is the courier's).
    func exportPart(_ r: ExportPartRequest) async throws -> JSONValue {
        let rows = try await store.read { db in try r.orders.compactMap { try DeliveryRow.load(db, $0.orderId) } }
        func time(_ t: Double?) -> JSONValue { t.map { .string(Timestamp.format(Date(timeIntervalSince1970: $0))) } ?? .null }
        return .object([
            "deliveries": .array(
                rows.map { d in
                    .object([
                        "orderId": .string(d.orderId), "state": .string(d.state.rawValue),
                        "destination": d.destLat.flatMap { lat in d.destLon.map { .object(["lat": .number(lat), "lon": .number($0)]) } }
                            ?? .null,
                        "startedAt": time(d.startedAt), "endedAt": time(d.endedAt),
                        "trackMeters": d.trackMeters.map(JSONValue.number) ?? .null,
                    ])
                })
        ])
    }
}
