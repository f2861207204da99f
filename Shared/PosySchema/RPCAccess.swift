import Foundation

/// The suite's table of who may call what (docs/protocol.md, "Who may call what"), checked by every
/// RPC server against the identity the caller's connection proved — never against what the request
/// says about itself. A method missing here is refused to every identity: adding a method means
/// saying who calls it.
public enum RPCAccess {
    private static let g = ServiceName.gateway

    /// Method name → grant.
    public static let table: [String: RPCGrant] = {
        var t: [String: RPCGrant] = [:]
        for m in [
            RPCMethod.health.name, RPCMethod.stats.name, RPCMethod.eventsReplay.name, RPCMethod.eventsSince.name,
            RPCMethod.busProxy.name, RPCMethod.clockAdvance.name,
        ] {
            t[m] = .everyone
        }
        let gatewayOnly: [String] = [
            OrdersRPC.createCourier.name, OrdersRPC.attention.name, OrdersRPC.courierDuty.name, OrdersRPC.listCouriers.name,
            OrdersRPC.create.name, OrdersRPC.transition.name, OrdersRPC.list.name, OrdersRPC.openException.name,
            OrdersRPC.acknowledgeException.name, OrdersRPC.resolveException.name, OrdersRPC.requestChange.name,
            OrdersRPC.decideChange.name, OrdersRPC.directConversation.name, OrdersRPC.renewLink.name,
            MessagingRPC.send.name, MessagingRPC.list.name, MessagingRPC.ack.name, MessagingRPC.recall.name,
            MessagingRPC.typing.name, MessagingRPC.callSignal.name, MessagingRPC.conversations.name, MessagingRPC.conversation.name,
            MessagingRPC.sync.name,
            ReceiptsRPC.mediaBegin.name, ReceiptsRPC.mediaChunk.name, ReceiptsRPC.mediaCommit.name, ReceiptsRPC.mediaAbort.name,
            ReceiptsRPC.proofSubmit.name, ReceiptsRPC.confirm.name, ReceiptsRPC.look.name, ReceiptsRPC.evidenceBundle.name,
            ReceiptsRPC.evidenceHTML.name,
            LocationRPC.ingest.name, LocationRPC.live.name,
            NotifyRPC.inbox.name, NotifyRPC.read.name, NotifyRPC.preferences.name, NotifyRPC.shopSettings.name,
            NotifyRPC.webhookCreate.name, NotifyRPC.webhookList.name, NotifyRPC.webhookDeliveries.name,
            NotifyRPC.webhookDelete.name, NotifyRPC.webhookReplay.name,
            PeopleRPC.list.name, PeopleRPC.remove.name, PeopleRPC.openSession.name, PeopleRPC.refreshSession.name,
            PeopleRPC.endSession.name, PeopleRPC.check.name, PeopleRPC.createKey.name, PeopleRPC.listKeys.name,
            PeopleRPC.revokeKey.name, PeopleRPC.verifyKey.name,
        ]
        for m in gatewayOnly { t[m] = .gateway }
        // The operator's `posy invite` makes the first sign-in link of a shop.
        for m in [PeopleRPC.invite.name, OrdersRPC.createShop.name, OrdersRPC.getShop.name] {
            t[m] = RPCGrant(people: [g, ServiceName.cli])
        }
        // Services that read for themselves, or pass on the person a request came for.
        t[OrdersRPC.get.name] = RPCGrant(services: [ServiceName.messaging, ServiceName.receipts], people: [g, ServiceName.receipts])
        t[OrdersRPC.timeline.name] = RPCGrant(people: [g, ServiceName.receipts])
        t[OrdersRPC.directLookup.name] = RPCGrant(services: [ServiceName.messaging])
        t[MessagingRPC.transcript.name] = RPCGrant(people: [g, ServiceName.receipts])
        t[LocationRPC.tracking.name] = RPCGrant(services: [ServiceName.messaging], people: [g])
        t[LocationRPC.track.name] = RPCGrant(people: [g, ServiceName.receipts])
        t[ReceiptsRPC.mediaInfo.name] = RPCGrant(services: [ServiceName.messaging, g], people: [g])
        t[ReceiptsRPC.mediaRead.name] = RPCGrant(services: [g], people: [g])
        t[ReceiptsRPC.evidenceVerify.name] = RPCGrant(services: [ServiceName.cli], people: [g])
        return t
    }()

    /// Why `peer` may not call `method` for `caller`, or nil when it may. An empty `peer` is a
    /// connection without CURVE (`--insecure-bus`): nothing is proven, nothing is checked.
    /// `caller` is the request's `caller` when it has one (see ``caller(in:)``).
    public static func check(method: String, peer: String, caller: RPCCaller?) -> PosyError? {
        if peer.isEmpty { return nil }
        guard let grant = table[method] else {
            return PosyError(.callerNotPermitted, "\(method) is not open to any process over RPC")
        }
        if grant.anyIdentity { return nil }
        if let service = caller?.service {
            guard grant.services.contains(peer) else {
                return PosyError(.callerNotPermitted, "\(peer) may not call \(method) as itself")
            }
            guard ServiceName.owns(peer, service) else {
                return PosyError(.callerNotPermitted, "\(peer) may not call as \(service)")
            }
            return nil
        }
        if caller != nil {
            guard grant.people.contains(peer) else {
                return PosyError(.callerNotPermitted, "\(peer) may not call \(method) for a person")
            }
            return nil
        }
        // No caller in the request (a raw body): the identity must be allowed one way or the other.
        guard grant.people.contains(peer) || grant.services.contains(peer) else {
            return PosyError(.callerNotPermitted, "\(peer) may not call \(method)")
        }
        return nil
    }

    /// The `caller` member of a JSON request body, without decoding the rest; nil when the body
    /// has none (or is not a JSON object). Throws on a malformed caller or on two `caller` members,
    /// which readers could take differently.
    public static func caller(in body: Data) throws(SchemaError) -> RPCCaller? {
        let range: Range<Int>?
        do {
            range = try body.withUnsafeBytes { raw in
                var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self))
                return try p.member("caller")
            }
        } catch let e as SchemaError {
            throw e
        } catch {
            throw SchemaError(.badRequest, "request body: \(error)")
        }
        guard let range else { return nil }
        let slice = body.subdata(in: (body.startIndex + range.lowerBound)..<(body.startIndex + range.upperBound))
        if slice.elementsEqual("null".utf8) { return nil }
        do {
            return try JSON.decode(RPCCaller.self, from: slice)
        } catch {
            throw SchemaError(.badRequest, "caller is not a caller object")
        }
    }
}
