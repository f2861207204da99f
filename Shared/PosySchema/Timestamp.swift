import Foundation

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-24T20:15:03.042Z`), formatted without DateFormatter.
public enum Timestamp {
    public static func now() -> String { format(Date()) }

    /// Written byte by byte into one string: every envelope carries one, so this runs for every
    /// event and heartbeat (it built fourteen small strings before).
    public static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let wholeSeconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        var seconds = time_t(wholeSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(unsafeUninitializedCapacity: 40) { out in
            var i = 0
            // One field: a minus if negative, at least `width` digits, then `after`.
            func put(_ value: Int64, _ width: Int, _ after: UInt8) {
                var v = value
                if v < 0 {
                    out[i] = UInt8(ascii: "-")
                    i += 1
                    v = -v
                }
                var digits = 1
                var rest = v / 10
                while rest > 0 {
                    digits += 1
                    rest /= 10
                }
                let n = max(width, digits)
                for k in stride(from: n - 1, through: 0, by: -1) {
                    out[i + k] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
                i += n
                out[i] = after
                i += 1
            }
            put(Int64(parts.tm_year) + 1900, 4, UInt8(ascii: "-"))
            put(Int64(parts.tm_mon) + 1, 2, UInt8(ascii: "-"))
            put(Int64(parts.tm_mday), 2, UInt8(ascii: "T"))
            put(Int64(parts.tm_hour), 2, UInt8(ascii: ":"))
            put(Int64(parts.tm_min), 2, UInt8(ascii: ":"))
            put(Int64(parts.tm_sec), 2, UInt8(ascii: "."))
            put(ms - wholeSeconds * 1000, 3, UInt8(ascii: "Z"))
            return i
        }
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS`, optional fractional seconds, then `Z` or `±HH:MM`.
    /// Hand-written (no formatter objects): it runs on every window check and every event filter.
    public static func parse(_ text: String) -> Date? {
        var utf8 = Array(text.utf8)
        guard utf8.count >= 20, utf8.count <= 40 else { return nil }
        utf8.append(0)
        var i = 0
        func digits(_ n: Int) -> Int? {
            var v = 0
            for _ in 0..<n {
                let c = utf8[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
                i += 1
            }
            return v
        }
        func expect(_ chars: String) -> Bool {
            let c = utf8[i]
            guard chars.utf8.contains(c) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2), expect("Tt "),
            let hour = digits(2), expect(":"), let minute = digits(2), expect(":"), let second = digits(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var fraction = 0.0
        if utf8[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            var any = false
            while utf8[i] >= 48, utf8[i] <= 57 {
                fraction += Double(utf8[i] - 48) * scale
                scale /= 10
                any = true
                i += 1
            }
            guard any else { return nil }
        }
        var offset = 0
        if expect("Zz") {
        } else if utf8[i] == UInt8(ascii: "+") || utf8[i] == UInt8(ascii: "-") {
            let sign = utf8[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(":"), let om = digits(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == utf8.count - 1 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        // timegm normalises 31 February into March: refuse dates that do not exist.
        guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month - 1) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }
}
