import Foundation
import PosyAccess
import PosyCore
import PosySchema
import Testing

/// The suite's rules of who may call what and who may say what (docs/protocol.md, "Who may call
/// what", "Who may say what"), judged on identities as the RPC servers and the bus see them.
@Suite struct AccessRulesTests {
    let admin = RPCCaller(sub: "intruder", role: .admin)

    @Test func onlyTheGatewayCallsForAPersonUnlessAServiceIsNamedForTheMethod() {
        #expect(OrdersRPC.list.refusal(peer: ServiceName.gateway, caller: admin) == nil)
        for peer in [ServiceName.notify, ServiceName.messaging, ServiceName.location, ServiceName.cli, "stranger"] {
            #expect(OrdersRPC.list.refusal(peer: peer, caller: admin)?.code == .callerNotPermitted)
            #expect(NotifyRPC.webhookCreate.refusal(peer: peer, caller: admin)?.code == .callerNotPermitted)
            #expect(OrdersRPC.transition.refusal(peer: peer, caller: admin)?.code == .callerNotPermitted)
        }
        // receipts passes on the person an evidence bundle is for.
        #expect(OrdersRPC.timeline.refusal(peer: ServiceName.receipts, caller: admin) == nil)
        #expect(OrdersRPC.timeline.refusal(peer: ServiceName.messaging, caller: admin)?.code == .callerNotPermitted)
    }

    @Test func aServiceCallsAsItselfOnlyWhereItNeedsToAndOnlyUnderItsOwnName() {
        let messaging = RPCCaller(service: ServiceName.messaging)
        #expect(OrdersRPC.get.refusal(peer: ServiceName.messaging, caller: messaging) == nil)
        #expect(OrdersRPC.directLookup.refusal(peer: ServiceName.messaging, caller: messaging) == nil)
        // Not a method messaging needs; and not messaging's name from another identity.
        #expect(OrdersRPC.list.refusal(peer: ServiceName.messaging, caller: messaging)?.code == .callerNotPermitted)
        #expect(OrdersRPC.get.refusal(peer: ServiceName.notify, caller: messaging)?.code == .callerNotPermitted)
        #expect(
            OrdersRPC.get.refusal(peer: ServiceName.receipts, caller: RPCCaller(service: ServiceName.messaging))?.code
                == .callerNotPermitted)
        // The gateway reads media for a signed link under a name of its own.
        #expect(
            ReceiptsRPC.mediaRead.refusal(peer: ServiceName.gateway, caller: RPCCaller(service: ServiceName.gatewayLink)) == nil)
        #expect(
            ReceiptsRPC.mediaRead.refusal(peer: ServiceName.cli, caller: RPCCaller(service: "cli-link"))?.code
                == .callerNotPermitted)
    }

    @Test func systemMethodsAnswerEveryIssuedIdentity() {
        #expect(
            RPCMethod.health.refusal(peer: "loadgen", caller: nil) == nil && RPCMethod.stats.refusal(peer: "loadgen", caller: nil) == nil)
        #expect(RPCMethod.eventsSince.refusal(peer: "loadgen", caller: nil) == nil)
        #expect(RPCMethod.eventsReplay.refusal(peer: "loadgen", caller: nil) == nil)
        // A raw body names no caller: the identity alone decides.
        #expect(ReceiptsRPC.mediaChunk.refusal(peer: ServiceName.gateway, caller: nil) == nil)
        #expect(ReceiptsRPC.mediaChunk.refusal(peer: ServiceName.notify, caller: nil)?.code == .callerNotPermitted)
        // Without CURVE nothing is proven, so nothing is checked (--insecure-bus).
        #expect(OrdersRPC.list.refusal(peer: "", caller: admin) == nil)
    }

    @Test func theCallerIsReadFromTheBodyWithoutDecodingTheRest() throws {
        let body = Data(#"{"id":"o1","caller":{"sub":"u1","role":"staff","shop":"s1"},"more":[1,{"caller":{"role":"admin"}}]}"#.utf8)
        #expect(try RPCAccess.caller(in: body) == RPCCaller(sub: "u1", role: .staff, shop: "s1"))
        #expect(try RPCAccess.caller(in: Data(#"{"id":"o1"}"#.utf8)) == nil)
        #expect(try RPCAccess.caller(in: Data()) == nil)
        // Two callers could be read differently by two readers: refused.
        #expect(throws: SchemaError.self) {
            try RPCAccess.caller(in: Data(#"{"caller":{"service":"messaging"},"caller":{"role":"admin"}}"#.utf8))
        }
        #expect(throws: SchemaError.self) { try RPCAccess.caller(in: Data(#"{"caller":"admin"}"#.utf8)) }
    }

    /// The caller is read by hand: whatever JSONDecoder reads as a caller reads the same, and what
    /// could be read two ways, or is not a caller, is refused.
    @Test func theHandReadCallerAgreesWithJSONDecoder() throws {
        let callers = [
            #"{"sub":"u1","role":"staff","shop":"s1"}"#,
            #"{ "service" : "messaging" }"#,
            #"{}"#,
            #"{"sub":null,"role":null,"order":"o-1"}"#,
            #"{"sub":"\u00e9\"\\\/\n","role":"customer","order":"o\t2","x":{"sub":"no","a":[1,2.5e3,true,null]}}"#,
            #"{"role":"courier","sub":"花店-7","extra":"ignored"}"#,
        ]
        for json in callers {
            let body = Data(#"{"id":"o1","caller":\#(json)}"#.utf8)
            let expected = try JSONDecoder().decode(RPCCaller.self, from: Data(json.utf8))
            #expect(try RPCAccess.caller(in: body) == expected, "\(json)")
        }
        let refused = [
            #"{"sub":"a","sub":"b"}"#,  // two readers could take either
            #"{"role":"admin","role":"staff"}"#,
            #"{"sub":1}"#,
            #"{"role":"root"}"#,
            #"{"shop":["s1"]}"#,
            #"{"sub":"a",}"#,
            #"{"sub":"a""#,
            #"{"sub":"\x"}"#,
            #"[]"#,
        ]
        for json in refused {
            let body = Data(#"{"caller":\#(json)}"#.utf8)
            #expect(throws: SchemaError.self, "\(json)") { try RPCAccess.caller(in: body) }
        }
    }

    /// The caller is written by hand too: what it writes, JSONDecoder and the hand reader both read
    /// back as the same caller, and the request's own members follow it unchanged.
    @Test func theHandWrittenCallerReadsBackTheSame() throws {
        let viewers: [Viewer] = [
            .user(sub: "u1", role: .staff, shop: "s1", order: nil),
            .user(sub: "c\"2\\/\n\u{1}", role: .customer, shop: nil, order: "o/1"),
            .user(sub: "花店-7", role: .courier, shop: "s\t9", order: "o-2"),
            .service(ServiceName.location),
        ]
        for viewer in viewers {
            let body = viewer.request(Data(#"{"id":"o1","n":[1,{"caller":null}]}"#.utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(object["id"] as? String == "o1" && (object["n"] as? [Any])?.count == 2)
            let written = try #require(try JSON.member("caller", of: body))
            #expect(try JSONDecoder().decode(RPCCaller.self, from: Data(written)) == viewer.caller)
            #expect(try RPCAccess.caller(in: body) == viewer.caller)
            #expect(try Viewer(#require(try RPCAccess.caller(in: body))) == viewer)
        }
        #expect(Viewer.service("x").request(Data("{}".utf8)) == Data(#"{"caller":{"service":"x"}}"#.utf8))
    }

    @Test func aPublisherSpeaksOnlyUnderItsOwnNameAndOnlyOnTopicsThatAreNotAnothersService() throws {
        func event(_ src: String, _ type: String) -> Envelope {
            Envelope(src: src, epoch: String(repeating: "a", count: 32), seq: 1, type: type)
        }
        #expect(EventSources.mayPublish(ServiceName.orders, topic: "order.confirmed", event("orders", "order.confirmed")))
        #expect(
            EventSources.mayPublish(
                ServiceName.messaging, topic: "to.u1.", Envelope(src: "messaging-2", epoch: "", seq: 0, type: PushType.messageNew)))
        #expect(EventSources.mayPublish(ServiceName.cli, topic: Topic.probe, event("cli-py-1f", Topic.probe)))
        // A push's type names no event: location's positions to a customer are location's to send.
        #expect(
            EventSources.mayPublish(
                ServiceName.location, topic: Topic.user("c1"), Envelope(src: "location", epoch: "", seq: 0, type: PushType.orderPosition)))
        // Pushes to people only of the types the publisher sends: no chat from location, no
        // positions from notify, no made-up types, never durable.
        func push(_ src: String, _ type: String, seq: Int64 = 0) -> Envelope {
            Envelope(src: src, epoch: seq > 0 ? String(repeating: "a", count: 32) : "", seq: seq, type: type)
        }
        #expect(EventSources.mayPublish(ServiceName.notify, topic: UserPush.shopTopic("s1"), push("notify", PushType.notification)))
        #expect(!EventSources.mayPublish(ServiceName.location, topic: Topic.user("c1"), push("location", PushType.messageNew)))
        #expect(!EventSources.mayPublish(ServiceName.notify, topic: Topic.user("c1"), push("notify", PushType.orderPosition)))
        #expect(!EventSources.mayPublish(ServiceName.messaging, topic: Topic.user("c1"), push("messaging-1", "stream.reset")))
        #expect(!EventSources.mayPublish(ServiceName.messaging, topic: Topic.user("c1"), push("messaging-1", PushType.messageNew, seq: 1)))
        // Another's name, another's topic, a topic frame that disagrees with the type.
        #expect(!EventSources.mayPublish(ServiceName.notify, topic: "proof.accepted", event("receipts", "proof.accepted")))
        #expect(!EventSources.mayPublish(ServiceName.notify, topic: "proof.accepted", event("notify", "proof.accepted")))
        #expect(!EventSources.mayPublish(ServiceName.notify, topic: "test.x", event("notify", "delivery.departed")))
        #expect(!EventSources.mayPublish(ServiceName.location, topic: "delivery.confirmed", event("location", "delivery.confirmed")))
        #expect(!EventSources.mayPublish(ServiceName.messaging, topic: "order.x", event("messagingx", "order.x")))
        #expect(!EventSources.mayPublish("", topic: "test.x", event("x", "test.x")))
        // A chat's unheard messages are messaging's to tell (any shard), nobody else's.
        #expect(EventSources.mayPublish(ServiceName.messaging, topic: "chat.unheard", event("messaging-2", "chat.unheard")))
        #expect(!EventSources.mayPublish(ServiceName.notify, topic: "chat.unheard", event("notify", "chat.unheard")))
    }

    @Test func pushesToPeopleAreReadOnlyByTheGatewayAndTheOperator() {
        func reads(_ identity: String, _ prefix: String, granted: [String] = []) -> Bool {
            EventReaders.covers(EventReaders.grant(of: identity, granted: granted), prefix: Array(prefix.utf8))
        }
        for peer in [ServiceName.gateway, ServiceName.cli] { #expect(reads(peer, "to.c1.") && reads(peer, "shop.s1.")) }
        #expect(reads(ServiceName.cli, ""))
        for identity in SuiteKeyring.suiteIdentities where identity != ServiceName.gateway && identity != ServiceName.cli {
            for prefix in ["", "t", "to.", "to.c1.", "s", "shop.s1."] { #expect(!reads(identity, prefix), "\(identity): \(prefix)") }
        }
        // Nobody else, whatever the operator wrote in its grant.
        for prefix in ["", "t", "to.", "to.c1.", "s", "shop.s1."] {
            #expect(!reads("monitor", prefix, granted: ["", "t", "to.", "shop.", "s"]), "\(prefix)")
        }
    }

    @Test func eachIdentityReadsWhatItConsumesAndANewOneNothingUntilGranted() {
        func reads(_ identity: String, _ topic: String, granted: [String] = []) -> Bool {
            EventReaders.covers(EventReaders.grant(of: identity, granted: granted), topic: topic)
        }
        // What each service consumes.
        #expect(reads(ServiceName.location, "order.placed") && reads(ServiceName.location, "fleet.courier"))
        #expect(reads(ServiceName.orders, "proof.accepted") && reads(ServiceName.orders, "delivery.arriving"))
        #expect(reads(ServiceName.gateway, "exception.opened") && reads(ServiceName.gateway, "fleet.access.ended"))
        // …and not what it does not: card messages ride on order events.
        for identity in [ServiceName.bus, ServiceName.orders, ServiceName.receipts] {
            #expect(!reads(identity, "order.placed"), "\(identity)")
        }
        #expect(!reads(ServiceName.receipts, "fleet.access.ended") && !reads(ServiceName.location, "exception.opened"))
        #expect(!reads(ServiceName.orders, "delivery.disputed") && !reads(ServiceName.messaging, "delivery.departed"))
        // Every service hears heartbeats; an operator's identity only what it was granted.
        for identity in SuiteKeyring.suiteIdentities { #expect(reads(identity, Topic.heartbeat), "\(identity)") }
        #expect(!reads("monitor", Topic.heartbeat) && !reads("monitor", "order.placed"))
        #expect(reads("monitor", Topic.heartbeat, granted: ["sys."]) && !reads("monitor", "order.placed", granted: ["sys."]))
        // The operator cannot widen a service's grant.
        #expect(!reads(ServiceName.receipts, "order.placed", granted: ["order."]))
    }

    @Test func aHeartbeatAnnouncesOnlyItsSender() {
        func hb(_ service: String, _ instance: String) -> Heartbeat {
            Heartbeat(
                service: service, instance: instance, version: "1", rpc: "tcp://10.0.0.9:1", shard: nil, epoch: "", pid: 1, startedAt: "",
                heads: [:])
        }
        let from = Envelope(src: "messaging-2", epoch: "", seq: 0, type: Topic.heartbeat)
        #expect(EventSources.isOwnHeartbeat(hb("messaging", "messaging-2"), of: from))
        #expect(!EventSources.isOwnHeartbeat(hb("orders", "messaging-2"), of: from))
        #expect(!EventSources.isOwnHeartbeat(hb("messaging", "messaging-1"), of: from))
    }

    @Test func anEnvelopeThatGivesAFieldTwiceIsRefused() {
        let twice = Data(#"{"v":1,"src":"cli","src":"orders","epoch":"","seq":0,"type":"x","at":"","data":{}}"#.utf8)
        #expect(throws: SchemaError.self) { try EnvelopeCodec.decode(twice) }
    }
}
