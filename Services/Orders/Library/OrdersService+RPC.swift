import PosyAccess
import PosyCore
import PosySchema

extension OrdersService {
    /// Serves the orders domain on the host's RPC socket (see ``OrdersRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(OrdersRPC.createShop) { r, viewer in
            try await self.createShop(r.shop, by: viewer)
        }
        rpc.register(OrdersRPC.getShop) { r, viewer in
            try await self.shop(r.shopId, for: viewer)
        }
        rpc.register(OrdersRPC.attention) { r, viewer in
            try await self.attention(shop: r.shopId, for: viewer)
        }
        rpc.register(OrdersRPC.createCourier) { r, viewer in
            try await self.createCourier(r.courier, by: viewer)
        }
        rpc.register(OrdersRPC.courierDuty) { r, viewer in
            try await self.setDuty(r.courierId, onDuty: r.onDuty, by: viewer)
        }
        rpc.register(OrdersRPC.courierConsent) { r, viewer in
            try await self.setConsent(r.courierId, accepted: r.accepted, version: r.version, by: viewer)
        }
        rpc.register(OrdersRPC.listCouriers) { r, viewer in
            try await self.couriers(shop: r.shopId, for: viewer)
        }
        rpc.register(
            OrdersRPC.create,
            encoded: { r, viewer in
                try await self.createEncoded(r.order, by: viewer, idempotencyKey: r.idempotencyKey).json
            })
        rpc.register(OrdersRPC.get) { r, viewer in
            try await self.order(r.id, for: viewer)
        }
        rpc.register(OrdersRPC.renewLink) { r, viewer in
            try await self.renewTrackingLink(r.id, by: viewer)
        }
        rpc.register(OrdersRPC.list) { r, viewer in
            try await self.list(
                for: viewer, status: r.status, courier: r.courier, cursor: r.cursor, limit: r.limit, windowFrom: r.windowFrom,
                windowTo: r.windowTo)
        }
        rpc.register(OrdersRPC.openException) { r, viewer in
            try await self.openException(
                orderId: r.orderId, kind: r.kind, note: r.note, lat: r.lat, lon: r.lon,
                mediaIds: r.mediaIds ?? [], clientId: r.clientId, by: viewer)
        }
        rpc.register(OrdersRPC.acknowledgeException) { r, viewer in
            try await self.acknowledgeException(r.id, by: viewer)
        }
        rpc.register(OrdersRPC.resolveException) { r, viewer in
            try await self.resolveException(r.id, resolution: r.resolution, note: r.note, by: viewer)
        }
        rpc.register(OrdersRPC.requestChange) { r, viewer in
            try await self.requestChange(orderId: r.orderId, r.change, by: viewer)
        }
        rpc.register(OrdersRPC.decideChange) { r, viewer in
            try await self.decideChange(
                orderId: r.orderId, changeId: r.changeId, approve: r.approve, reason: r.reason, by: viewer)
        }
        rpc.register(OrdersRPC.directConversation) { r, viewer in
            try await self.directConversation(courierId: r.courierId, by: viewer)
        }
        rpc.register(OrdersRPC.directLookup) { r, viewer in
            try await self.directConversation(id: r.conversationId ?? "", by: viewer)
        }
        rpc.register(OrdersRPC.timeline) { r, viewer in
            try await self.timeline(r.id, for: viewer)
        }
        rpc.register(OrdersRPC.transition) { r, viewer in
            try await self.transition(r.id, to: r.to, by: viewer, courierId: r.courierId, reason: r.reason)
        }
        rpc.register(OrdersRPC.setLocation) { r, viewer in
            try await self.setShopLocation(shop: r.shopId, address: r.address, lat: r.lat, lon: r.lon, by: viewer)
        }
        rpc.register(OrdersRPC.setRetention) { r, viewer in try await self.setRetention(shop: r.shopId, r.retention, by: viewer) }
        rpc.register(PrivacyRPC.erase) { r, viewer in try await self.erase(r, by: viewer) }
        rpc.register(PrivacyRPC.erasure) { r, viewer in try await self.erasure(r.id, for: viewer) }
        registerPeople(on: rpc)
    }

    func registerPeople(on rpc: RPCServer) {
        rpc.register(PeopleRPC.invite) { r, viewer in try await self.invite(r, for: viewer) }
        rpc.register(PeopleRPC.list) { r, viewer in try await self.people(shop: r.shopId, for: viewer) }
        rpc.register(PeopleRPC.remove) { r, viewer in try await self.removePerson(r.id, shop: r.shopId, by: viewer) }
        rpc.register(PeopleRPC.openSession) { r in try await self.openSession(code: r.code) }
        rpc.register(PeopleRPC.refreshSession) { r in try await self.refreshSession(r.code) }
        rpc.register(PeopleRPC.endSession) { r, viewer in try await self.endSession(r.id, by: viewer) }
        rpc.register(PeopleRPC.check) { r in try await self.endedAccess(r) }
        rpc.register(PeopleRPC.createKey) { r, viewer in try await self.createKey(r, for: viewer) }
        rpc.register(PeopleRPC.listKeys) { r, viewer in try await self.keys(shop: r.shopId, for: viewer) }
        rpc.register(PeopleRPC.revokeKey) { r, viewer in try await self.revokeKey(r.id, shop: r.shopId, by: viewer) }
        rpc.register(PeopleRPC.verifyKey) { r in try await self.verifyKey(r.code) }
    }
}
