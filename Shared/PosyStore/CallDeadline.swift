/// When the caller of the work a task does stops waiting for it.
///
/// An RPC server runs each handler under its request's deadline, and the store skips a job whose
/// deadline passed before the job began: a saturated service works only on what someone still
/// waits for (docs/architecture.md, "Deadlines"). A task started inside a handler inherits the
/// deadline, so work meant to outlive the reply runs detached or after the commit.
public enum CallDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// What a job skipped for its passed deadline throws; an RPC server answers it as `timeout`.
    public struct Expired: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "the caller stopped waiting before the work began" }
    }

    /// Whether `deadline` has passed at `now`.
    @inlinable public static func passed(_ deadline: ContinuousClock.Instant?, at now: ContinuousClock.Instant) -> Bool {
        guard let deadline else { return false }
        return deadline <= now
    }
}
