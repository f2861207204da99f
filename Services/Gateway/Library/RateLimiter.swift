import Foundation
import PosyAccess
import Synchronization

/// Token buckets per caller: `rate` requests per second on average, `burst` at once. A request
/// over the limit learns how long to wait (`Retry-After`). Buckets idle for a minute are dropped.
public final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var last: Double
    }

    public let rate: Double
    public let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: @Sendable () -> Double

    /// `rate` ≤ 0 disables limiting.
    public init(rate: Double, burst: Double, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
    }

    /// nil when the request may go ahead, else the seconds to wait before the next one would.
    /// What one token's requests and frames are counted under: its role, subject and order scope
    /// (a tracking link's rate is its own, not its customer's).
    static func key(_ claims: TokenClaims) -> String { "\(claims.role.rawValue):\(claims.sub):\(claims.order ?? "")" }

    public func check(_ key: String) -> Double? {
        guard rate > 0 else { return nil }
        let now = clock()
        return buckets.withLock { all -> Double? in
            if all.count > 10_000 { all = all.filter { now - $0.value.last < 60 } }
            var b = all[key] ?? Bucket(tokens: burst, last: now)
            b.tokens = min(burst, b.tokens + (now - b.last) * rate)
            b.last = now
            defer { all[key] = b }
            if b.tokens >= 1 {
                b.tokens -= 1
                return nil
            }
            return (1 - b.tokens) / rate
        }
    }
}
