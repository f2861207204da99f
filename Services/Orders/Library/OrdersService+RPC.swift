import PosyAccess
import PosyCore
import PosySchema

extension OrdersService {
    /// Serves the orders domain on the host's RPC socket (see ``OrdersRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(OrdersRPC.createShop) { r in
            try await self.createShop(r.shop, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.getShop) { r in
            try await self.shop(r.shopId, for: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.attention) { r in
            try await self.attention(shop: r.shopId, for: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.createCourier) { r in
            try await self.createCourier(r.courier, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.courierDuty) { r in
            try await self.setDuty(r.courierId, onDuty: r.onDuty, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.listCouriers) { r in
            try await self.couriers(shop: r.shopId, for: Viewer(r.caller))
        }
        rpc.register(
            OrdersRPC.create,
            encoded: { r in
                try await self.createEncoded(r.order, by: Viewer(r.caller), idempotencyKey: r.idempotencyKey).json
            })
        rpc.register(OrdersRPC.get) { r in
            try await self.order(r.id, for: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.renewLink) { r in
            try await self.renewTrackingLink(r.id, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.list) { r in
            try await self.list(
                for: Viewer(r.caller), status: r.status, courier: r.courier, cursor: r.cursor, limit: r.limit, windowFrom: r.windowFrom,
                windowTo: r.windowTo)
        }
        rpc.register(OrdersRPC.openException) { r in
            try await self.openException(
                orderId: r.orderId, kind: r.kind, note: r.note, lat: r.lat, lon: r.lon,
                mediaIds: r.mediaIds ?? [], clientId: r.clientId, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.acknowledgeException) { r in
            try await self.acknowledgeException(r.id, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.resolveException) { r in
            try await self.resolveException(r.id, resolution: r.resolution, note: r.note, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.requestChange) { r in
            try await self.requestChange(orderId: r.orderId, r.change, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.decideChange) { r in
            try await self.decideChange(
                orderId: r.orderId, changeId: r.changeId, approve: r.approve, reason: r.reason, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.directConversation) { r in
            try await self.directConversation(courierId: r.courierId, by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.directLookup) { r in
            try await self.directConversation(id: r.conversationId ?? "", by: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.timeline) { r in
            try await self.timeline(r.id, for: Viewer(r.caller))
        }
        rpc.register(OrdersRPC.transition) { r in
            try await self.transition(r.id, to: r.to, by: Viewer(r.caller), courierId: r.courierId, reason: r.reason)
        }
        registerPeople(on: rpc)
    }

    func registerPeople(on rpc: RPCServer) {
        rpc.register(PeopleRPC.invite) { r in try await self.invite(r) }
        rpc.register(PeopleRPC.list) { r in try await self.people(shop: r.shopId, for: Viewer(r.caller)) }
        rpc.register(PeopleRPC.remove) { r in try await self.removePerson(r.id, shop: r.shopId, by: Viewer(r.caller)) }
        rpc.register(PeopleRPC.openSession) { r in try await self.openSession(code: r.code) }
        rpc.register(PeopleRPC.refreshSession) { r in try await self.refreshSession(r.code) }
        rpc.register(PeopleRPC.endSession) { r in try await self.endSession(r.id, by: Viewer(r.caller)) }
        rpc.register(PeopleRPC.check) { r in try await self.endedAccess(r) }
        rpc.register(PeopleRPC.createKey) { r in try await self.createKey(r) }
        rpc.register(PeopleRPC.listKeys) { r in try await self.keys(shop: r.shopId, for: Viewer(r.caller)) }
        rpc.register(PeopleRPC.revokeKey) { r in try await self.revokeKey(r.id, shop: r.shopId, by: Viewer(r.caller)) }
        rpc.register(PeopleRPC.verifyKey) { r in try await self.verifyKey(r.code) }
    }
}
