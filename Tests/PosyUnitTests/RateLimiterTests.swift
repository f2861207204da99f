import Foundation
import PosyCore
import PosyGateway
import Testing

@Suite struct RateLimiterTests {
    @Test func bucketAllowsBurstThenRateAndSaysHowLongToWait() {
        let now = Locked(1_000.0)
        let limiter = RateLimiter(rate: 5, burst: 10, clock: { now.value })
        #expect((0..<10).allSatisfy { _ in limiter.check("a") == nil })
        let wait = limiter.check("a")
        #expect(wait != nil && abs(wait! - 0.2) < 0.001)
        #expect(limiter.check("b") == nil)  // another token has its own bucket
        now.withLock { $0 += 0.2 }
        #expect(limiter.check("a") == nil)
        #expect(limiter.check("a") != nil)
        now.withLock { $0 += 60 }
        #expect((0..<10).allSatisfy { _ in limiter.check("a") == nil })  // refills up to the burst, no more
        #expect(limiter.check("a") != nil)
        #expect(RateLimiter(rate: 0, burst: 1).check("x") == nil)  // 0 = off
    }
}
