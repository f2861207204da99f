import Foundation
import PosyCore
import PosySchema
import PosyStore

extension LocationService {
    /// Forgets where erased orders went (docs/architecture.md, "Privacy"): each delivery's destination;
    /// its times and ETA record stay. The courier's own track is theirs, kept by its own retention.
    public func registerPrivacy(on host: ServiceHost) -> PrivacyAgent {
        PrivacyAgent(host: host, clock: clock) { db, work, _ in
            var counts: [String: Int] = [:]
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
}
