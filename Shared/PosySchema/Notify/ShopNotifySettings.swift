/// A shop's notification settings, kept by `posy-notify`: the manager hears escalations.
public struct ShopNotifySettings: Codable, Sendable, Equatable {
    /// The staff user who hears escalated exceptions.
    public var managerId: String?

    public init(managerId: String? = nil) {
        self.managerId = managerId
    }
}
