/// A person's notification preferences, kept by `posy-notify`.
public struct NotifyPreferences: Codable, Sendable, Equatable {
    /// `en` or `zh-CN`.
    public var locale: String?
    /// Quiet hours, local `HH:mm`, e.g. 22:00–07:00: only `high` priority reaches the person then.
    public var quietStart: String?
    public var quietEnd: String?
    /// IANA time zone of the quiet hours (default UTC).
    public var timeZone: String?
    public var phone: String?
    public var email: String?

    public init(
        locale: String? = nil, quietStart: String? = nil, quietEnd: String? = nil, timeZone: String? = nil,
        phone: String? = nil, email: String? = nil
    ) {
        self.locale = locale
        self.quietStart = quietStart
        self.quietEnd = quietEnd
        self.timeZone = timeZone
        self.phone = phone
        self.email = email
    }
}
