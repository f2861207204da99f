/// An RPC request naming one order and who asks (`{caller, orderId}`): the evidence bundle and
/// proofs of posy-receipts, tracking and the route of posy-location.
public struct OrderRef: Codable, Sendable {
    public var orderId: String
    public init(orderId: String) {
        self.orderId = orderId
    }
}
