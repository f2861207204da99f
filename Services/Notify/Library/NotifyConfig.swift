/// posy-notify's settings (flags and `POSY_NOTIFY_*` in `posy-notify`).
public struct NotifyConfig: Sendable {
    public var rules: NotifyRuleSet = .defaults
    /// Language of people who never chose one.
    public var defaultLocale = "en"
    /// A coalesced rule (an order's ETA) speaks to a person at most once in this many seconds…
    public var coalesceInterval: Double = 300
    /// …unless the ETA moved by at least this many seconds.
    public var coalesceShift: Double = 600

    public init() {}
}
