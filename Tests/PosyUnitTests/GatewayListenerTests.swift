import Foundation
import PosyCore
import Testing

@testable import PosyGateway

/// The pieces of the gateway's own listener that need no socket (docs/architecture.md, "Several gateways").
@Suite struct GatewayListenerTests {
    /// RFC 9110's example IMF-fixdate, and a date in another month, weekday and year.
    @Test func theDateHeaderIsRFC9110s() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(1_796_435_653) == "Sat, 05 Dec 2026 01:54:13 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        let now = HTTPDate().now()
        #expect(now.hasSuffix(" GMT") && now.count == 29, "\(now)")
    }

    @Test func instanceNamesAreTheGatewaysOwn() {
        for good in ["gateway", "gateway-1", "gateway-16", "gateway-eu1"] { #expect(GatewayConfig.isInstanceName(good), "\(good)") }
        for bad in [
            "", "gateway-", "gateway-link", "orders", "gateway-A", "gateway-1-2", "gateway_1",
            "gateway-\(String(repeating: "9", count: 33))",
        ] {
            #expect(!GatewayConfig.isInstanceName(bad), "\(bad)")
        }
    }

    /// Streams stop 256 short of the open-file limit and connections 192 short, so that there is
    /// always room for plain requests and for what the gateway itself opens.
    @Test func streamsAndConnectionsStopShortOfTheOpenFileLimit() {
        let files = FileLimits(soft: 20_000, hard: 20_000)
        #expect(StreamCapacity.limit(for: files) == 19_744)
        #expect(ConnectionAdmission(files: files).limit == 19_808)
        #expect(StreamCapacity.limit(for: FileLimits(soft: 100, hard: 100)) == 1)
        let capacity = StreamCapacity(limit: 2)
        let first = capacity.take()
        #expect(first != nil && !capacity.isFull)
        let second = capacity.take()
        #expect(second != nil && capacity.isFull && capacity.count == 2)
        #expect(capacity.take() == nil)
        first?.release()
        first?.release()
        #expect(!capacity.isFull && capacity.count == 1)
        let pauses = Locked(0)
        let admission = ConnectionAdmission(limit: 1) { pauses.withLock { $0 += 1 } }
        #expect(admission.isAcceptingNewConnections())
        admission.connectionOpened()
        #expect(!admission.isAcceptingNewConnections() && pauses.value == 1)
        admission.connectionClosed()
        #expect(admission.isAcceptingNewConnections())
    }

    /// Taking a place is one step: threads taking places together get exactly the limit, and a
    /// place nothing holds any more is free again.
    @Test func placesAreTakenAtomicallyAndNeverKept() async {
        let capacity = StreamCapacity(limit: 50)
        let slots = Locked<[StreamSlot]>([])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<100 {
                        if let slot = capacity.take() { slots.withLock { $0.append(slot) } }
                    }
                }
            }
        }
        #expect(slots.value.count == 50 && capacity.count == 50)
        slots.withLock { $0.removeAll() }
        #expect(capacity.count == 0)
        do { _ = capacity.take() }
        #expect(capacity.count == 0)
    }

    /// One person holds at most their share of the places, whatever else is free; a place given
    /// back (once, however often released) is theirs to take again. Without a cap nobody is counted.
    @Test func onePersonHoldsAtMostTheirShare() {
        let capacity = StreamCapacity(limit: 10, perPerson: 2)
        let mine = (0..<3).compactMap { _ in capacity.take() }
        withExtendedLifetime(mine) {
            #expect(mine.count == 3)
            #expect(mine[0].hold(person: "customer:c1") && mine[1].hold(person: "customer:c1"))
            #expect(!mine[2].hold(person: "customer:c1"))
            #expect(mine[2].hold(person: "courier:c1"), "the same subject in another role is another person")
            #expect(capacity.persons == 2)
            mine[0].release()
            mine[0].release()
            let again = capacity.take()
            let over = capacity.take()
            withExtendedLifetime((again, over)) {
                #expect(again?.hold(person: "customer:c1") == true)
                #expect(over?.hold(person: "customer:c1") == false)
            }
        }
        let unbounded = StreamCapacity(limit: 10)
        let slots = (0..<10).compactMap { _ in unbounded.take() }
        withExtendedLifetime(slots) {
            #expect(slots.count == 10 && slots.allSatisfy { $0.hold(person: "staff:s1") } && unbounded.persons == 0)
        }
    }

    /// A place nothing holds any more is given back to its person too, and a person with no stream
    /// left is forgotten.
    @Test func aPersonWithNoStreamLeftIsForgotten() {
        let capacity = StreamCapacity(limit: 10, perPerson: 3)
        var slots = [capacity.take(), capacity.take()].compactMap { $0 }
        #expect(slots.count == 2 && slots[0].hold(person: "staff:s1") && slots[1].hold(person: "staff:s2"))
        #expect(capacity.persons == 2 && capacity.count == 2)
        slots.removeAll()
        #expect(capacity.persons == 0 && capacity.count == 0)
    }

    /// One loop keeps every stream's deadline: what is due fires once, a removed one never, and a
    /// deadline earlier than the one the loop sleeps for wakes it.
    @Test(.timeLimit(.minutes(1)))
    func oneLoopFiresEachStreamsDeadlineOnce() async throws {
        let deadlines = StreamDeadlines()
        let fired = Locked<[String]>([])
        let loop = Task { await deadlines.run() }
        defer { loop.cancel() }
        let now = Int(Date().timeIntervalSince1970)
        _ = deadlines.add(at: now + 3_600) { fired.withLock { $0.append("later") } }
        try await Task.sleep(for: .milliseconds(100))  // the loop now sleeps for an hour
        let removed = deadlines.add(at: now + 1) { fired.withLock { $0.append("removed") } }
        deadlines.remove(removed)
        _ = deadlines.add(at: now - 5) { fired.withLock { $0.append("past") } }
        _ = deadlines.add(at: now + 2) { fired.withLock { $0.append("soon") } }
        let deadline = ContinuousClock.now + .seconds(20)
        while fired.value.count < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(fired.value == ["past", "soon"])
        #expect(deadlines.count == 1)
    }

    /// Every process raises its soft limit to the hard one: after `raise()` they are equal (or the
    /// soft one is the kernel's maximum where the hard one is unlimited), and nothing is lowered.
    @Test func theSoftOpenFileLimitIsRaisedToTheHardOne() {
        let (before, after) = FileLimits.raise()
        #expect(after.soft >= before.soft)
        #expect(after.soft == after.hard || (after.hard == .max && after.soft == FileLimits.kernelMaximum()))
        #expect((FileLimits.openCount() ?? 0) > 2)
    }
}
