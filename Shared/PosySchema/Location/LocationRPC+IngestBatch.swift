/// Couriers' live fixes gathered by a gateway for a moment and sent to posy-location together: one
/// call, one reply and one commit group for many couriers, where each fix alone cost the whole
/// path of a call (docs/architecture.md, "Location").
extension LocationRPC {
    /// `IngestBatchRequest` → `IngestBatchReply`: each item judged as `location.ingest` judges a
    /// courier's batch, for that courier, with its own outcome. Only the gateway calls it, as itself:
    /// the couriers it names are those whose tokens it verified, as it vouches for the caller of
    /// every call it makes for a person (docs/protocol.md, "Who may call what").
    public static let ingestBatch = RPC<IngestBatchRequest, IngestBatchReply>(
        ServiceName.location, "location.ingestBatch", grant: RPCGrant(services: [ServiceName.gateway]))

    /// Most couriers one gathered batch may name.
    public static let maxBatchCouriers = 1_000

    public struct IngestBatchRequest: Codable, Sendable, Equatable {
        public var items: [Item]

        public init(items: [Item]) {
            self.items = items
        }

        /// One courier's fixes, as its stream sent them.
        public struct Item: Codable, Sendable, Equatable {
            /// The courier's id (the token's `sub`).
            public var courier: String
            /// The shop the courier's token names.
            public var shop: String?
            public var positions: [PositionFix]

            public init(courier: String, shop: String?, positions: [PositionFix]) {
                self.courier = courier
                self.shop = shop
                self.positions = positions
            }
        }
    }

    public struct IngestBatchReply: Codable, Sendable {
        /// One outcome per item, in the request's order.
        public var results: [Outcome]

        public init(results: [Outcome]) {
            self.results = results
        }

        /// What `location.ingest` would have answered the item: its reply, or its error.
        public struct Outcome: Codable, Sendable {
            public var reply: IngestReply?
            public var error: PosyError?

            public init(reply: IngestReply) {
                self.reply = reply
                self.error = nil
            }

            public init(error: PosyError) {
                self.reply = nil
                self.error = error
            }
        }
    }
}
