/// One row of the retention table: how long one kind of personal data is kept and what is left.
public struct RetentionRule: Codable, Sendable, Equatable {
    public var kind: RetentionKind
    /// Days kept; 0 keeps it for ever (only where the table allows).
    public var days: Double
    /// From when the days count.
    public var after: String
    /// What is left once they are over.
    public var then: String
    public var enforcedBy: String
    /// The deployment's setting (its environment variable).
    public var setting: String
    /// The days a shop may choose (`PUT /v1/shops/{shop}/retention`), when it may.
    public var shopMinDays: Double?
    public var shopMaxDays: Double?

    public init(
        kind: RetentionKind, days: Double, after: String, then: String, enforcedBy: String, setting: String,
        shopMinDays: Double? = nil, shopMaxDays: Double? = nil
    ) {
        self.kind = kind
        self.days = days
        self.after = after
        self.then = then
        self.enforcedBy = enforcedBy
        self.setting = setting
        self.shopMinDays = shopMinDays
        self.shopMaxDays = shopMaxDays
    }
}
