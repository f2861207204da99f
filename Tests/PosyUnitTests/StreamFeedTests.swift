import Foundation
import PosyCore
import PosySchema
import Testing

@testable import PosyGateway

/// The gateway's per-source feed, the stream cursor and the change signal, without sockets.
@Suite struct StreamFeedTests {
    static func event(_ pos: Int64, epoch: String = "e1") -> Envelope {
        // A fixed time: events built a millisecond apart must still compare equal.
        Envelope(src: "orders", epoch: epoch, seq: pos, pos: pos, type: "order.placed", at: "2026-05-10T10:00:00.000Z")
    }

    static func fed(_ pos: Int64, epoch: String = "e1") -> EventFeed.Event {
        .init(envelope: event(pos, epoch: epoch), audience: .everyone)
    }

    @Test func feedKeepsContiguousEventsAndAsksForRepairOnGaps() {
        let feed = EventFeed(src: "orders", capacity: 4)
        #expect(feed.read(after: .init(epoch: "e1", pos: 0), max: 10) == .unknown)
        #expect(feed.heartbeat(epoch: "e1", pos: 2) == .init(reset: true))
        #expect(feed.position == .init(epoch: "e1", pos: 2))
        #expect(feed.ingest(Self.event(3)) == .init(appended: [Self.fed(3)]))
        #expect(feed.ingest(Self.event(3)) == .init())  // duplicate
        #expect(feed.read(after: .init(epoch: "e1", pos: 2), max: 10) == .events([Self.fed(3)]))
        #expect(feed.read(after: .init(epoch: "e1", pos: 3), max: 10) == .upToDate)
        #expect(feed.read(after: .init(epoch: "e1", pos: 1), max: 10) == .behind)
        #expect(feed.read(after: .init(epoch: "e0", pos: 1), max: 10) == .reset(epoch: "e1", head: 3))
        // A gap: one repair is claimed, not two.
        #expect(feed.ingest(Self.event(6)) == .init(repair: true))
        #expect(feed.heartbeat(epoch: "e1", pos: 7) == .init())
        let from = feed.repairFrom()
        #expect(from == .init(epoch: "e1", pos: 3))
        #expect(
            feed.fill(from: from!, events: [Self.event(4), Self.event(5), Self.event(6), Self.event(7)], sourceHead: 7)
                == .init(appended: (4...7).map { Self.fed($0) }))
        #expect(feed.repairFrom() == nil)
        #expect(feed.read(after: .init(epoch: "e1", pos: 3), max: 2) == .events([Self.fed(4), Self.fed(5)]))
        // More than twice the capacity: the oldest go, readers that far back read from the source.
        for p in Int64(8)...20 { _ = feed.ingest(Self.event(p)) }
        #expect(feed.read(after: .init(epoch: "e1", pos: 3), max: 10) == .behind)
        #expect(feed.read(after: .init(epoch: "e1", pos: 19), max: 10) == .events([Self.fed(20)]))
        // A new epoch (the source's store was reset) starts over.
        #expect(feed.heartbeat(epoch: "e2", pos: 1) == .init(reset: true))
        #expect(feed.read(after: .init(epoch: "e1", pos: 20), max: 10) == .reset(epoch: "e2", head: 1))
    }

    @Test func feedSkipsPrunedEventsDuringRepair() {
        let feed = EventFeed(src: "orders")
        _ = feed.heartbeat(epoch: "e1", pos: 0)
        #expect(feed.ingest(Self.event(9)) == .init(repair: true))
        let from = feed.repairFrom()!
        // Events 1–4 were pruned at the source: the feed starts over after the hole, and says so.
        #expect(
            feed.fill(from: from, events: [Self.event(5), Self.event(6), Self.event(7), Self.event(8), Self.event(9)], sourceHead: 9)
                == .init(appended: (5...9).map { Self.fed($0) }, reset: true))
        #expect(feed.read(after: .init(epoch: "e1", pos: 4), max: 10) == .events((5...9).map { Self.fed($0) }))
        #expect(feed.read(after: .init(epoch: "e1", pos: 2), max: 10) == .behind)
    }

    @Test func cursorRoundTripsAndRejectsGarbage() throws {
        var c = StreamCursor()
        c["orders"] = .init(epoch: "abc", pos: 42)
        c["receipts"] = .init(epoch: "def", pos: 7)
        let parsed = try StreamCursor(text: c.text)
        #expect(parsed == c)
        #expect(!c.text.contains("=") && !c.text.contains("+") && !c.text.contains("/"))
        for bad in [
            "!!", "b3JkZXJz", Data("orders:abc:-1".utf8).base64EncodedString(), Data("orders:abc:x".utf8).base64EncodedString(),
            Data("orders:a:1;orders:b:2".utf8).base64EncodedString(),
        ] {
            #expect(throws: PosyError.self, "\(bad)") { try StreamCursor(text: bad) }
        }
    }

    @Test func signalWakesOnBumpTimeoutAndCancellation() async {
        let signal = ChangeSignal()
        let seen = signal.generation
        let woken = Task { await signal.wait(after: seen, timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        signal.bump()
        await woken.value
        #expect(signal.generation == seen + 1)
        // Already past: returns at once. Nothing new: returns after the timeout.
        await signal.wait(after: seen, timeout: .seconds(30))
        let start = ContinuousClock.now
        await signal.wait(after: signal.generation, timeout: .milliseconds(50))
        #expect(ContinuousClock.now - start >= .milliseconds(50))
        let cancelled = Task { await signal.wait(after: signal.generation, timeout: .seconds(30)) }
        cancelled.cancel()
        await cancelled.value
    }
}
