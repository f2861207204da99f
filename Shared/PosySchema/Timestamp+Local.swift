import Foundation

extension Timestamp {
    /// A Gregorian calendar in the IANA zone `timeZone` (UTC when nil or unknown): shops' and
    /// people's local times (windows told as `HH:mm`, quiet hours).
    public static func calendar(timeZone: String?) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        return calendar
    }

    /// `HH:mm` of an RFC 3339 time as a clock in `timeZone` reads it; nil if it does not parse.
    public static func clock(_ text: String?, timeZone: String?) -> String? {
        guard let text, let date = parse(text) else { return nil }
        let c = calendar(timeZone: timeZone).dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }
}
