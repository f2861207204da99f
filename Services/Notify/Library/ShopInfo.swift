import PosySchema

/// What posy-notify keeps of a shop (from `fleet.shop` and the shop's settings).
struct ShopInfo: Sendable, Equatable {
    var id: String
    var name: String
    var timeZone: String
    var managerId: String?
    var assignmentSmsAfter: Int = ShopNotifySettings.defaultAssignmentSmsAfter
    var smsWithoutPush: Bool = false
    var maskedCallHours: Int = ShopNotifySettings.defaultMaskedCallHours

    var settings: ShopNotifySettings {
        ShopNotifySettings(
            managerId: managerId, assignmentSmsAfter: assignmentSmsAfter, smsWithoutPush: smsWithoutPush, maskedCallHours: maskedCallHours)
    }
}
