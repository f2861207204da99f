import Foundation
import PosySchema
import Testing

@testable import PosyCore
@testable import PosyZMQ

/// Batches of events to the bus (docs/protocol.md, "Batches to the bus"): packed by a publisher,
/// split by the forwarder into the messages they were, each through the gate on its own.
@Suite struct ZMQBatchTests {
    static func message(_ topic: String, _ body: String) -> [Data] { [Data(topic.utf8), Data(body.utf8)] }

    static func unpack(_ packed: Data) -> [(String, String)]? {
        var out: [(String, String)] = []
        let ok = packed.withUnsafeBytes { raw in
            ZMQBatch.split(raw) { t, b in out.append((String(decoding: t, as: UTF8.self), String(decoding: b, as: UTF8.self))) }
        }
        return ok ? out : nil
    }

    @Test func runsOfTwoFrameMessagesBecomeBatchesInOrder() throws {
        let three = [Data("a".utf8), Data("b".utf8), Data("c".utf8)]
        let (out, batches) = ZMQBatch.pack([
            Self.message("t.1", "one"), Self.message("t.2", #"{"two":2}"#), three, Self.message("t.3", "three"),
        ])
        #expect(batches == 1)
        #expect(out.count == 3)
        #expect(out[0][0] == Data(ZMQBatch.topic.utf8))
        let inner = try #require(Self.unpack(out[0][1]))
        #expect(inner.map(\.0) == ["t.1", "t.2"])
        #expect(inner.map(\.1) == ["one", #"{"two":2}"#])
        // A message of other frames ends the run, and one left alone goes as it was.
        #expect(out[1] == three)
        #expect(out[2] == Self.message("t.3", "three"))
        #expect(ZMQBatch.pack([Self.message("t.1", "x")]).messages == [Self.message("t.1", "x")])
        #expect(ZMQBatch.pack([]).messages.isEmpty)
    }

    @Test func aBatchClosesAtItsLimits() throws {
        let many = (0..<(ZMQBatch.maxMessages + 10)).map { Self.message("t.\($0 % 3)", "\($0)") }
        let (out, batches) = ZMQBatch.pack(many)
        #expect(batches == 2)
        #expect(try #require(Self.unpack(out[0][1])).count == ZMQBatch.maxMessages)
        #expect(try #require(Self.unpack(out[1][1])).map(\.1) == (ZMQBatch.maxMessages..<(ZMQBatch.maxMessages + 10)).map { "\($0)" })
        let big = String(repeating: "x", count: ZMQBatch.maxBytes / 2)
        let (large, largeBatches) = ZMQBatch.pack((0..<3).map { Self.message("t", big + "\($0)") })
        #expect(largeBatches == 0, "two bodies of half the limit do not fit in one batch with their lengths")
        #expect(large.count == 3)
    }

    @Test func aMalformedBatchYieldsNothing() {
        var good = ZMQBatch.pack([Self.message("t.1", "one"), Self.message("t.2", "two")]).messages[0][1]
        #expect(Self.unpack(good)?.count == 2)
        #expect(Self.unpack(good.dropLast()) == nil, "the last body runs past the end")
        #expect(Self.unpack(Data()) == nil, "no message at all")
        #expect(Self.unpack(Data([0, 0, 0, 0, 0, 0, 0, 1, 65])) == nil, "an empty topic")
        #expect(Self.unpack(Data([0xFF, 0xFF, 0xFF, 0xFF, 65])) == nil, "a length past the end")
        good.append(contentsOf: [0, 0])
        #expect(Self.unpack(good) == nil, "trailing bytes that are no length")
    }

    /// A forwarder like posy-bus's: what a subscriber receives is each message of the batch on its
    /// own, in order, the ones its filter refuses left out and counted.
    @Test func theForwarderSplitsABatchThroughItsFilter() async throws {
        let proxy = try await ZMQProxy.start(
            frontend: .xsub, bind: ["tcp://127.0.0.1:*"], options: .init(),
            backend: .xpub, bind: ["tcp://127.0.0.1:*"], options: .init(),
            filter: { _, frames in !frames[0].elementsEqual("t.forged".utf8) }, splitsBatches: true)
        let pub = try await ZMQSocket.open(.pub, connect: [proxy.frontendEndpoints[0]])
        var o = ZMQSocketOptions()
        o.subscriptions = ["t."]
        let sub = try await ZMQSocket.open(.sub, connect: [proxy.backendEndpoints[0]], options: o)
        var joined = false
        for _ in 0..<50 where !joined {
            pub.post([Self.message("t.warm", "{}")])
            joined = await receive(sub, within: .milliseconds(100)) != nil
        }
        #expect(joined)
        while await receive(sub, within: .milliseconds(100)) != nil {}
        let refusedBefore = proxy.statistics.frontendMessagesRefused

        let (batch, _) = ZMQBatch.pack([
            Self.message("t.a", "1"), Self.message("u.other", "2"), Self.message("t.forged", "3"), Self.message("t.b", "4"),
        ])
        let inner = ZMQBatch.pack([Self.message("t.c", "5"), Self.message("t.d", "6")]).messages[0]
        let outer = ZMQBatch.pack([inner, Self.message("t.x", "8")]).messages
        let malformed = [Data(ZMQBatch.topic.utf8), Data([0, 0, 0, 9])]
        pub.post(batch + outer + [malformed, Self.message("t.end", "7")])
        var got: [[Data]] = []
        while got.last?.first != Data("t.end".utf8), let m = await receive(sub) { got.append(m) }
        #expect(got.map { String(decoding: $0[0], as: UTF8.self) } == ["t.a", "t.b", "t.x", "t.end"])
        #expect(got.map { String(decoding: $0[1], as: UTF8.self) } == ["1", "4", "8", "7"])
        // The forged one; the batch inside the batch (its two messages never seen on their own); the malformed batch.
        #expect(proxy.statistics.frontendMessagesRefused - refusedBefore == 3)
        await pub.close()
        await sub.close()
        await proxy.terminate()
    }

    /// A process packs only while every bus it hears says it splits batches: an older bus would
    /// refuse a batch, so one of them without the word is enough to stop.
    @Test func batchesOnlyWhileEveryBusSaysItSplitsThem() throws {
        func heartbeat(_ service: String, _ instance: String, accepts: [String]? = nil) -> Heartbeat {
            var hb = Heartbeat(
                service: service, instance: instance, version: "0", rpc: "", shard: nil, epoch: "", pid: 1, startedAt: "", heads: [:])
            hb.accepts = accepts
            return hb
        }
        let splitting = heartbeat("bus", "bus", accepts: [Heartbeat.splitsBatches])
        #expect(!ServiceHost.busesSplitBatches([]))
        #expect(!ServiceHost.busesSplitBatches([heartbeat("orders", "orders", accepts: [Heartbeat.splitsBatches])]))
        #expect(ServiceHost.busesSplitBatches([splitting, heartbeat("orders", "orders")]))
        #expect(!ServiceHost.busesSplitBatches([heartbeat("bus", "bus")]))
        #expect(!ServiceHost.busesSplitBatches([heartbeat("bus", "bus", accepts: ["something else"])]))
        #expect(!ServiceHost.busesSplitBatches([splitting, heartbeat("bus", "bus-2")]))
        // What the bus says travels in its heartbeat's JSON, and a heartbeat without it reads as nothing.
        let decoded = try JSON.decode(Heartbeat.self, from: try JSON.encode(splitting))
        #expect(decoded.accepts == [Heartbeat.splitsBatches])
        #expect(try JSON.decode(Heartbeat.self, from: try JSON.encode(heartbeat("bus", "bus"))).accepts == nil)
    }

    /// The publisher packs what it sends together only while the bus splits batches.
    @Test func aPublisherPacksWhatItSendsTogetherOnlyWhenTheBusSplits() async throws {
        var o = ZMQSocketOptions()
        o.subscriptions = [""]
        let bus = try await ZMQSocket.open(.sub, bind: ["tcp://127.0.0.1:*"], options: o)
        let publisher = try await BusPublisher(busPub: bus.boundEndpoints[0], security: .insecure)
        var joined = false
        for _ in 0..<50 where !joined {
            publisher.post(topic: "t.warm", envelope: Data("{}".utf8))
            joined = await receive(bus, within: .milliseconds(100)) != nil
        }
        #expect(joined)
        while await receive(bus, within: .milliseconds(100)) != nil {}

        #expect(!publisher.busSplitsBatches)
        ZMQSocket.deferringWakes {
            publisher.post(topic: "t.1", envelope: Data("a".utf8))
            publisher.post(topic: "t.2", envelope: Data("b".utf8))
        }
        #expect(await receive(bus) == Self.message("t.1", "a"))
        #expect(await receive(bus) == Self.message("t.2", "b"))

        publisher.busSplitsBatches = true
        ZMQSocket.deferringWakes {
            for n in 0..<3 { publisher.post(topic: "t.\(n)", envelope: Data("e\(n)".utf8)) }
        }
        let batch = try #require(await receive(bus))
        #expect(batch.first == Data(ZMQBatch.topic.utf8))
        #expect(try #require(Self.unpack(batch[1])).map { "\($0.0) \($0.1)" } == ["t.0 e0", "t.1 e1", "t.2 e2"])
        #expect(publisher.batchesSent == 1)
        #expect(publisher.eventsSentInBatches == 3)
        // One event alone leaves as itself.
        publisher.post(topic: "t.9", envelope: Data("z".utf8))
        #expect(await receive(bus) == Self.message("t.9", "z"))
        await publisher.close()
        await bus.close()
    }
}
