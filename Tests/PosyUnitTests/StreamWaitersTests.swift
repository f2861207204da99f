import PosyAccess
import PosyCore
import Testing

@testable import PosyGateway

/// Streams wait by who they are: an event wakes only the streams of its audience, and tells each
/// what it slept through that was not for it.
@Suite struct StreamWaitersTests {
    static let heads: [String: StreamCursor.Position] = ["orders": .init(epoch: "e1", pos: 9), "receipts": .init(epoch: "e2", pos: 4)]

    static func staff(_ shop: String) -> Viewer { .user(sub: "st-" + shop, role: .staff, shop: shop, order: nil) }

    /// Waits until `count` streams are parked (the tasks below park asynchronously).
    static func parked(_ waiters: StreamWaiters, _ count: Int) async {
        for _ in 0..<2_000 where waiters.parkedCount != count { try? await Task.sleep(for: .milliseconds(1)) }
    }

    @Test func anEventWakesOnlyItsAudience() async {
        let waiters = StreamWaiters()
        let seen = waiters.generation
        let shopA = Task { await waiters.park(StreamWaiters.keys(of: Self.staff("a")), after: seen, timeout: nil) }
        let shopB = Task { await waiters.park(StreamWaiters.keys(of: Self.staff("b")), after: seen, timeout: nil) }
        let courier = Task {
            await waiters.park(StreamWaiters.keys(of: .user(sub: "k1", role: .courier, shop: "a", order: nil)), after: seen, timeout: nil)
        }
        let admin = Task {
            await waiters.park(StreamWaiters.keys(of: .user(sub: "ad", role: .admin, shop: nil, order: nil)), after: seen, timeout: nil)
        }
        await Self.parked(waiters, 4)
        #expect(waiters.parkedCount == 4)
        // Shop b's order, its courier k9: shop b's consoles and the admin wake; shop a's and k1 sleep on.
        waiters.arrived(
            [
                .init(src: "orders", pos: 7, audience: EventAudience(shop: "b", users: ["k9"])),
                .init(src: "orders", pos: 8, audience: EventAudience(shop: "b", users: ["k9"])),
            ], heads: Self.heads)
        #expect(await shopB.value == .skip(first: ["orders": 7], heads: Self.heads))
        #expect(await admin.value == .skip(first: ["orders": 7], heads: Self.heads))
        #expect(waiters.parkedCount == 2)
        // Shop a's proof for courier k1: both wake, told where it is; everything before it was not for them.
        waiters.arrived([.init(src: "receipts", pos: 4, audience: EventAudience(shop: "a", users: ["k1", "c1"]))], heads: Self.heads)
        #expect(await shopA.value == .skip(first: ["receipts": 4], heads: Self.heads))
        #expect(await courier.value == .skip(first: ["receipts": 4], heads: Self.heads))
        #expect(waiters.parkedCount == 0)
    }

    @Test func aChangeBeforeParkingTimeoutsAndResetsMeanLookAgain() async {
        let waiters = StreamWaiters()
        let seen = waiters.generation
        waiters.arrived([.init(src: "orders", pos: 1, audience: EventAudience(shop: "z"))], heads: Self.heads)
        // Something changed since `seen`, even for someone else: read again rather than miss it.
        #expect(await waiters.park(["shop:a"], after: seen, timeout: nil) == .recheck)
        let now = waiters.generation
        #expect(await waiters.park(["shop:a"], after: now, timeout: .milliseconds(20)) == .recheck)
        // A feed that started over wakes everyone; an event for everyone wakes everyone with its position.
        let a = Task { await waiters.park(["shop:a"], after: now, timeout: nil) }
        let b = Task { await waiters.park(["user:c1"], after: now, timeout: nil) }
        await Self.parked(waiters, 2)
        waiters.recheckAll()
        #expect(await a.value == .recheck)
        #expect(await b.value == .recheck)
        let later = waiters.generation
        let c = Task { await waiters.park(["user:c2"], after: later, timeout: nil) }
        await Self.parked(waiters, 1)
        waiters.arrived([.init(src: "orders", pos: 3, audience: .everyone)], heads: Self.heads)
        #expect(await c.value == .skip(first: ["orders": 3], heads: Self.heads))
        #expect(waiters.parkedCount == 0)
    }

    @Test func viewersWaitUnderWhoTheyAre() {
        #expect(StreamWaiters.keys(of: Self.staff("a")) == ["shop:a"])
        #expect(StreamWaiters.keys(of: .user(sub: "st", role: .staff, shop: nil, order: nil)).isEmpty)
        #expect(StreamWaiters.keys(of: .user(sub: "c1", role: .customer, shop: nil, order: "o1")) == ["user:c1"])
        #expect(StreamWaiters.keys(of: .user(sub: "ad", role: .admin, shop: nil, order: nil)) == ["*"])
        #expect(StreamWaiters.keys(of: EventAudience(shop: "a", users: ["k1"])) == ["*", "shop:a", "user:k1"])
        #expect(StreamWaiters.keys(of: .nobody) == ["*"])
        #expect(StreamWaiters.keys(of: .everyone) == nil)
    }

    /// A connection's stream parks without a task: a callback, called once; a closed one leaves unwoken.
    @Test func aStreamParksWithoutATask() async {
        let waiters = StreamWaiters()
        let woken = Locked<[StreamWaiters.Wake]>([])
        let stale = waiters.generation
        waiters.arrived([.init(src: "orders", pos: 1, audience: EventAudience(shop: "z"))], heads: Self.heads)
        #expect(waiters.park(["shop:a"], after: stale, timeout: nil) { w in woken.withLock { $0.append(w) } } == nil)
        let now = waiters.generation
        let a = waiters.park(["shop:a"], after: now, timeout: nil) { w in woken.withLock { $0.append(w) } }
        let b = waiters.park(["shop:b"], after: now, timeout: nil) { _ in Issue.record("a cancelled stream was woken") }
        #expect(a != nil && b != nil && waiters.parkedCount == 2)
        waiters.cancel(b!)
        #expect(waiters.parkedCount == 1)
        waiters.arrived([.init(src: "receipts", pos: 4, audience: EventAudience(shop: "a"))], heads: Self.heads)
        waiters.arrived([.init(src: "receipts", pos: 5, audience: EventAudience(shop: "a"))], heads: Self.heads)
        waiters.recheckAll()
        #expect(woken.withLock { $0 } == [.skip(first: ["receipts": 4], heads: Self.heads)])
        #expect(waiters.parkedCount == 0)
    }
}

extension StreamWaiters {
    /// A stream's wait as a test awaits it: until the callback, or at once when the feeds moved.
    func park(_ keys: [String], after seen: UInt64, timeout: Duration?) async -> Wake {
        await withCheckedContinuation { (c: CheckedContinuation<Wake, Never>) in
            if park(keys, after: seen, timeout: timeout, resume: { c.resume(returning: $0) }) == nil { c.resume(returning: .recheck) }
        }
    }
}
