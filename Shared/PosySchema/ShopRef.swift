/// An RPC request naming one shop and who asks (`{caller, shopId}`): its couriers from posy-orders,
/// their live positions from posy-location.
public struct ShopRef: Codable, Sendable {
    public var shopId: String
    public init(shopId: String) {
        self.shopId = shopId
    }
}
