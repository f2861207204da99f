import ServiceLifecycle

/// A loop that does what is due, then sleeps until the next thing is due or `wake` is bumped (new
/// work committed, a test clock moved): with nothing pending it arms no timer at all
/// (docs/architecture.md, "Idle costs nothing"). Notify's deliveries, messaging's unheard messages
/// and orders' timers each run one.
package struct DueLoop: Service {
    let wake: ChangeSignal
    /// A pass that did this many goes again at once: more may be due.
    let page: Int
    /// Does what is due; returns how many it did.
    let pass: @Sendable () async throws -> Int
    /// Seconds until the next thing is due; nil with nothing pending.
    let next: @Sendable () async throws -> Double?
    /// Told of a failed pass (tried again in a second, not in a tight loop: e.g. a full disk).
    let failed: @Sendable (any Error) -> Void
    /// Told whether the loop sleeps until a deadline (true) or until woken (false), for a caller
    /// that wakes it only when no deadline is armed.
    let armed: (@Sendable (Bool) -> Void)?

    package init(
        wake: ChangeSignal, page: Int, pass: @escaping @Sendable () async throws -> Int,
        next: @escaping @Sendable () async throws -> Double?, failed: @escaping @Sendable (any Error) -> Void,
        armed: (@Sendable (Bool) -> Void)? = nil
    ) {
        self.wake = wake
        self.page = page
        self.pass = pass
        self.next = next
        self.failed = failed
        self.armed = armed
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let seen = wake.generation
                armed?(false)
                var wait: Double?
                do {
                    if try await pass() < page { wait = try await next() ?? .infinity }
                } catch {
                    failed(error)
                    wait = 1
                }
                guard let wait else { continue }
                if wait.isFinite { armed?(true) }
                await wake.wait(after: seen, timeout: wait.isFinite ? .milliseconds(Int64(max(wait, 0.01) * 1000)) : nil)
            }
        }
    }
}
