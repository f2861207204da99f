/// A courier's separate consent to the collection of their location (PIPL: whereabouts are
/// sensitive personal information), as the courier app recorded it (docs/protocol.md, "Privacy").
public struct CourierConsent: Codable, Sendable, Equatable {
    /// The explanation's version the courier agreed to.
    public var version: String
    public var at: String

    /// The explanation the courier app shows now; a new one asks again.
    public static let currentVersion = "location-1"

    public init(version: String, at: String) {
        self.version = version
        self.at = at
    }
}
