/// RPC methods of `posy-location` and their requests. Replies are the JSON of the named type.
public enum LocationRPC {
    /// `IngestRequest` → `IngestReply`: a courier's batch of positions.
    public static let ingest = RPC<IngestRequest, IngestReply>(ServiceName.location, "location.ingest", grant: .gateway)
    /// `OrderRef` → `TrackingView`: where the order's courier is, how far, how long.
    public static let tracking = RPC<OrderRef, TrackingView>(
        ServiceName.location, "location.tracking", grant: RPCGrant(services: [ServiceName.messaging], people: [ServiceName.gateway]))
    /// `OrderRef` → `DeliveryTrack`: the route of the order's delivery (staff, the evidence bundle).
    public static let track = RPC<OrderRef, DeliveryTrack>(
        ServiceName.location, "location.track", grant: RPCGrant(people: [ServiceName.gateway, ServiceName.receipts]))
    /// `ShopRef` → `[CourierPosition]`: every on-duty courier of the shop with a position (staff's live map).
    public static let live = RPC<ShopRef, [CourierPosition]>(ServiceName.location, "location.live", grant: .gateway)

    /// `AppStateRequest` → `CourierAppState`: the courier's app went to the background or came back
    /// (the staff's live map says so; docs/architecture.md, "Location").
    public static let appState = RPC<AppStateRequest, CourierAppState>(ServiceName.location, "location.appState", grant: .gateway)

    /// Most points one batch may carry.
    public static let maxBatch = 10_000

    public struct IngestRequest: Codable, Sendable {
        public var positions: [PositionFix]
        public init(positions: [PositionFix]) {
            self.positions = positions
        }
    }

    public struct AppStateRequest: Codable, Sendable {
        public var state: CourierAppState.State
        public init(state: CourierAppState.State) {
            self.state = state
        }
    }

    public typealias OrderRef = PosySchema.OrderRef
    public typealias ShopRef = PosySchema.ShopRef
}
