/// An RPC request naming one shop and who asks (`{caller, shopId}`): its couriers from posy-orders,
/// their live positions from posy-location.
public struct ShopRef: Codable, Sendable {
    public var caller: RPCCaller
    public var shopId: String
    public init(caller: RPCCaller, shopId: String) {
        self.caller = caller
        self.shopId = shopId
    }
}
