import Foundation
import PosyAuth
import PosyCore
import PosyGateway
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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

extension Integration {
    @Suite(.serialized) struct RateLimitTests {
        @Test(.timeLimit(.minutes(2)))
        func aTokenOverItsRateGets429WithRetryAfter() async throws {
            let suite = try SuiteTests.Suite("ratelimit", upArgs: ["--rate-limit", "5", "--rate-burst", "10"])
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let signer = try suite.signer()
            let busy = try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 600)
            let calm = try signer.mint(sub: "st2", role: .staff, shop: "s1", ttl: 600)
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<25 {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(suite.httpPort)/v1/orders")!)
                request.setValue("Bearer \(busy)", forHTTPHeaderField: "Authorization")
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = try #require(response as? HTTPURLResponse)
                statuses.append(http.statusCode)
                if http.statusCode == 429 {
                    retryAfter = http.value(forHTTPHeaderField: "Retry-After")
                    #expect((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["code"] as? String == "rate_limited")
                }
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(statuses.contains(429), "\(statuses)")
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
            // Another token is not affected; the busy one recovers after waiting.
            #expect(await Harness.http("GET", "http://127.0.0.1:\(suite.httpPort)/v1/orders", token: calm).0 == 200)
            try await Task.sleep(for: .seconds(1))
            #expect(await Harness.http("GET", "http://127.0.0.1:\(suite.httpPort)/v1/orders", token: busy).0 == 200)
            #expect(await suite.stop())
        }
    }
}
