/// What posy-notify keeps of a shop (from `fleet.shop` and the shop's settings).
struct ShopInfo: Sendable, Equatable {
    var id: String
    var name: String
    var timeZone: String
    var managerId: String?
}
