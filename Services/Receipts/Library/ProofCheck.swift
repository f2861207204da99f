import Foundation
import PosySchema

/// The checks recorded on a proof: distance to the address, time against the window,
/// and what each photo's EXIF says. Pure, so unit tests drive it with any clock.
public enum ProofCheck {
    public static func run(
        order: Order, input: ProofInput, photos: [ProofMedia], at now: Date, farFromAddress: Double = 200
    )
        -> ProofChecks
    {
        var flags: [String] = []
        var distance: Double?
        if let lat = order.recipient?.lat, let lon = order.recipient?.lon {
            distance = (Geo.distance(lat1: input.lat, lon1: input.lon, lat2: lat, lon2: lon) * 10).rounded() / 10
        } else {
            flags.append("addressNotLocated")
        }
        let far = (distance ?? 0) > farFromAddress
        if far { flags.append("farFromAddress") }
        var lateMinutes = 0
        if let end = Timestamp.parse(order.window.end), now > end {
            lateMinutes = Int((now.timeIntervalSince(end) / 60).rounded(.up))
            flags.append("late")
        }
        let photoChecks = photos.map { photo(order: order, $0, at: now, farFromAddress: farFromAddress) }
        for c in photoChecks {
            for f in c.flags where !flags.contains("photo:\(f)") { flags.append("photo:\(f)") }
        }
        return ProofChecks(
            distanceMeters: distance, farFromAddress: far, late: lateMinutes > 0, lateMinutes: lateMinutes,
            photos: photoChecks, flags: flags)
    }

    static func photo(order: Order, _ m: ProofMedia, at now: Date, farFromAddress: Double) -> PhotoCheck {
        guard let meta = m.photo, !meta.isEmpty else {
            return PhotoCheck(mediaId: m.id, minutesBeforeProof: nil, distanceMeters: nil, flags: ["noMetadata"])
        }
        var flags: [String] = []
        var minutes: Double?
        if let taken = meta.capturedAt.flatMap({ capturedDate($0, order: order) }) {
            let m = (now.timeIntervalSince(taken) / 60 * 10).rounded() / 10
            minutes = m
            if m > 60 { flags.append("takenLongBefore") }
            if m < -5 { flags.append("takenAfter") }
        }
        var distance: Double?
        if let plat = meta.lat, let plon = meta.lon, let lat = order.recipient?.lat, let lon = order.recipient?.lon {
            let d = (Geo.distance(lat1: plat, lon1: plon, lat2: lat, lon2: lon) * 10).rounded() / 10
            distance = d
            if d > farFromAddress { flags.append("farFromAddress") }
        }
        return PhotoCheck(mediaId: m.id, minutesBeforeProof: minutes, distanceMeters: distance, flags: flags)
    }

    /// EXIF time with its own offset, or — without one — in the offset of the order's window (the
    /// shop's local time, where the photo was taken).
    static func capturedDate(_ s: String, order: Order) -> Date? {
        if let d = Timestamp.parse(s) { return d }
        let end = order.window.end
        let offset: String = if end.hasSuffix("Z") { "Z" } else if end.count >= 6 { String(end.suffix(6)) } else { "Z" }
        return Timestamp.parse(s + offset)
    }
}
