/// RPC methods of `posy-orders` and their requests. Replies are the JSON of the named type.
public enum OrdersRPC {
    /// `{caller, shop: Shop}` → `Shop`
    public static let createShop = RPC<ShopRequest, Shop>(
        ServiceName.orders, "orders.shops.create", grant: RPCGrant(people: [ServiceName.gateway, ServiceName.cli]))
    /// `{caller, shopId}` → `Shop`: its staff and couriers.
    public static let getShop = RPC<ShopRef, Shop>(
        ServiceName.orders, "orders.shops.get", grant: RPCGrant(people: [ServiceName.gateway, ServiceName.cli]))
    /// `{caller, shopId}` → ``Attention``: what waits for the shop (staff of the shop).
    public static let attention = RPC<ShopRef, Attention>(ServiceName.orders, "orders.shops.attention", grant: .gateway)
    /// `{caller, shopId, address, lat, lon}` → `Shop`: where the shop is (admins and its managers).
    public static let setLocation = RPC<ShopLocationRequest, Shop>(ServiceName.orders, "orders.shops.location", grant: .gateway)
    /// `{caller, shopId, retention: ShopRetention}` → `Shop`: admins and the shop's managers.
    public static let setRetention = RPC<RetentionRequest, Shop>(ServiceName.orders, "orders.shops.retention", grant: .gateway)
    /// `{caller, courier: Courier}` → `Courier`
    public static let createCourier = RPC<CourierRequest, Courier>(ServiceName.orders, "orders.couriers.create", grant: .gateway)
    /// `{caller, courierId, onDuty}` → `Courier`: the courier themselves or staff of their shop.
    public static let courierDuty = RPC<DutyRequest, Courier>(ServiceName.orders, "orders.couriers.duty", grant: .gateway)
    /// `{caller, courierId, accepted, version}` → `Courier`: the courier themselves.
    public static let courierConsent = RPC<ConsentRequest, Courier>(ServiceName.orders, "orders.couriers.consent", grant: .gateway)
    /// `{caller, shopId}` → `[Courier]`
    public static let listCouriers = RPC<ShopQuery, [Courier]>(ServiceName.orders, "orders.couriers.list", grant: .gateway)
    /// `{caller, order: NewOrder, idempotencyKey?}` → `Order`
    public static let create = RPC<CreateRequest, Order>(ServiceName.orders, "orders.create", grant: .gateway)
    /// `{caller, id}` → `Order` (the caller's view)
    public static let get = RPC<OrderQuery, Order>(
        ServiceName.orders, "orders.get",
        grant: RPCGrant(services: [ServiceName.messaging, ServiceName.receipts], people: [ServiceName.gateway, ServiceName.receipts]))
    /// `{caller, id}` → the order's new tracking link generation; every older link ends (staff of the
    /// shop, or the customer signed in — not a tracking link).
    public static let renewLink = RPC<OrderQuery, TrackingLink.Renewed>(ServiceName.orders, "orders.links.renew", grant: .gateway)
    /// `{caller, id}` → `[TimelineEntry]`
    public static let timeline = RPC<OrderQuery, [TimelineEntry]>(
        ServiceName.orders, "orders.timeline", grant: RPCGrant(people: [ServiceName.gateway, ServiceName.receipts]))
    /// `{caller, id, to, courierId?, reason?}` → `Order`
    public static let transition = RPC<TransitionRequest, Order>(ServiceName.orders, "orders.transition", grant: .gateway)
    /// `{caller, status?, courier?, windowFrom?, windowTo?, cursor?, limit?}` → `OrderPage`
    public static let list = RPC<ListRequest, OrderPage>(ServiceName.orders, "orders.list", grant: .gateway)
    /// `{caller, orderId, kind, note?, lat?, lon?, mediaIds?, clientId?}` → `OrderException`
    public static let openException = RPC<OpenExceptionRequest, OrderException>(
        ServiceName.orders, "orders.exceptions.open", grant: .gateway)
    /// `{caller, id}` → `OrderException`
    public static let acknowledgeException = RPC<OrderQuery, OrderException>(ServiceName.orders, "orders.exceptions.ack", grant: .gateway)
    /// `{caller, id, resolution, note?}` → `OrderException`
    public static let resolveException = RPC<ResolveExceptionRequest, OrderException>(
        ServiceName.orders, "orders.exceptions.resolve", grant: .gateway)

    /// `{caller, orderId, change: ChangeInput}` → `OrderChange`
    public static let requestChange = RPC<ChangeRequest, OrderChange>(ServiceName.orders, "orders.changes.request", grant: .gateway)
    /// `{caller, orderId, changeId, approve, reason?}` → `OrderChange`
    public static let decideChange = RPC<DecideChangeRequest, OrderChange>(ServiceName.orders, "orders.changes.decide", grant: .gateway)

    /// `{caller, courierId?}` → `DirectConversation`: the shop's conversation with one of its couriers,
    /// made on first use (staff name the courier; a courier gets their own with their shop).
    public static let directConversation = RPC<DirectRequest, DirectConversation>(ServiceName.orders, "orders.direct.open", grant: .gateway)
    /// `{caller, conversationId}` → `DirectConversation` (services: a messaging shard learning who is in it).
    public static let directLookup = RPC<DirectRequest, DirectConversation>(
        ServiceName.orders, "orders.direct.get", grant: RPCGrant(services: [ServiceName.messaging]))

    public struct DirectRequest: Codable, Sendable {
        public var courierId: String?
        public var conversationId: String?
        public init(courierId: String? = nil, conversationId: String? = nil) {
            self.courierId = courierId
            self.conversationId = conversationId
        }
    }

    public struct DirectConversation: Codable, Sendable, Equatable {
        public var conversationId: String
        public var shopId: String
        public var courierId: String
        public init(conversationId: String, shopId: String, courierId: String) {
            self.conversationId = conversationId
            self.shopId = shopId
            self.courierId = courierId
        }
    }

    public struct ChangeRequest: Codable, Sendable {
        public var orderId: String
        public var change: ChangeInput
        public init(orderId: String, change: ChangeInput) {
            self.orderId = orderId
            self.change = change
        }
    }

    public struct DecideChangeRequest: Codable, Sendable {
        public var orderId: String
        public var changeId: String
        public var approve: Bool
        public var reason: String?
        public init(orderId: String, changeId: String, approve: Bool, reason: String?) {
            self.orderId = orderId
            self.changeId = changeId
            self.approve = approve
            self.reason = reason
        }
    }

    public struct OpenExceptionRequest: Codable, Sendable {
        public var orderId: String
        public var kind: ExceptionKind
        public var note: String?
        public var lat: Double?
        public var lon: Double?
        public var mediaIds: [String]?
        /// The reporter's own id for this report: a resend is the same exception (docs/protocol.md).
        public var clientId: String?
        public init(
            orderId: String, kind: ExceptionKind, note: String?, lat: Double?, lon: Double?, mediaIds: [String]?,
            clientId: String? = nil
        ) {
            self.clientId = clientId
            self.orderId = orderId
            self.kind = kind
            self.note = note
            self.lat = lat
            self.lon = lon
            self.mediaIds = mediaIds
        }
    }

    public struct ResolveExceptionRequest: Codable, Sendable {
        public var id: String
        public var resolution: ExceptionResolution
        public var note: String?
        public init(id: String, resolution: ExceptionResolution, note: String?) {
            self.id = id
            self.resolution = resolution
            self.note = note
        }
    }

    public struct ListRequest: Codable, Sendable {
        public var status: OrderState?
        public var courier: String?
        public var cursor: String?
        public var limit: Int?
        /// Only orders whose window ends after `windowFrom` and starts before `windowTo` (RFC 3339): a day's board.
        public var windowFrom: String?
        public var windowTo: String?
        public init(status: OrderState? = nil, courier: String? = nil, cursor: String? = nil, limit: Int? = nil) {
            self.status = status
            self.courier = courier
            self.cursor = cursor
            self.limit = limit
        }
    }

    public struct ShopRequest: Codable, Sendable {
        public var shop: Shop
        public init(shop: Shop) {
            self.shop = shop
        }
    }

    public struct CourierRequest: Codable, Sendable {
        public var courier: Courier
        public init(courier: Courier) {
            self.courier = courier
        }
    }

    public struct DutyRequest: Codable, Sendable {
        public var courierId: String
        public var onDuty: Bool
        public init(courierId: String, onDuty: Bool) {
            self.courierId = courierId
            self.onDuty = onDuty
        }
    }

    public typealias ShopQuery = ShopRef

    public struct CreateRequest: Codable, Sendable {
        public var order: NewOrder
        public var idempotencyKey: String?
        public init(order: NewOrder, idempotencyKey: String?) {
            self.order = order
            self.idempotencyKey = idempotencyKey
        }
    }

    public struct ShopLocationRequest: Codable, Sendable {
        public var shopId: String
        public var address: String
        public var lat: Double
        public var lon: Double
        public init(shopId: String, address: String, lat: Double, lon: Double) {
            self.shopId = shopId
            self.address = address
            self.lat = lat
            self.lon = lon
        }
    }

    public struct ConsentRequest: Codable, Sendable {
        public var courierId: String
        public var accepted: Bool
        public var version: String
        public init(courierId: String, accepted: Bool, version: String) {
            self.courierId = courierId
            self.accepted = accepted
            self.version = version
        }
    }

    public struct RetentionRequest: Codable, Sendable {
        public var shopId: String
        public var retention: ShopRetention
        public init(shopId: String, retention: ShopRetention) {
            self.shopId = shopId
            self.retention = retention
        }
    }

    public struct OrderQuery: Codable, Sendable {
        public var id: String
        public init(id: String) {
            self.id = id
        }
    }

    public struct TransitionRequest: Codable, Sendable {
        public var id: String
        public var to: OrderState
        public var courierId: String?
        public var reason: String?
        public init(id: String, to: OrderState, courierId: String? = nil, reason: String? = nil) {
            self.id = id
            self.to = to
            self.courierId = courierId
            self.reason = reason
        }
    }
}

/// One page of a list: the items and the cursor of the next page (nil on the last page).
public struct OrderPage: Codable, Sendable, Equatable {
    public var items: [Order]
    public var nextCursor: String?

    public init(items: [Order], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
