/// A shop's notification settings (`notify.shop.settings`); a `set` changes only what it gives.
public struct ShopNotifySettings: Codable, Sendable, Equatable {
    /// The staff user who hears escalated exceptions.
    public var managerId: String?
    /// Seconds an assignment may go unanswered (neither accepted nor handed back) before it is sent
    /// to the courier by SMS as well (0–3600; default 60 — docs/architecture.md, "Notify").
    public var assignmentSmsAfter: Int?
    /// Customers with no Web Push device hear "arriving" and "delivered" by SMS (default off).
    public var smsWithoutPush: Bool?
    /// Hours a courier's masked number keeps working after the order closed (1–168; default 24).
    public var maskedCallHours: Int?

    public static let defaultAssignmentSmsAfter = 60
    public static let defaultMaskedCallHours = 24

    public init(managerId: String? = nil, assignmentSmsAfter: Int? = nil, smsWithoutPush: Bool? = nil, maskedCallHours: Int? = nil) {
        self.maskedCallHours = maskedCallHours
        self.managerId = managerId
        self.assignmentSmsAfter = assignmentSmsAfter
        self.smsWithoutPush = smsWithoutPush
    }
}
