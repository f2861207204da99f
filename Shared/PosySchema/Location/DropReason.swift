/// Why a position was not kept (counted per reason in `stats`, named per point in a batch's answer).
public enum DropReason: String, Codable, Sendable, CaseIterable {
    /// Latitude/longitude missing, NaN or out of range.
    case invalidCoordinates
    /// Accuracy NaN, negative, or worse than the threshold.
    case inaccurate
    /// Device time unreadable.
    case badTime
    /// Device time further in the future than the allowed clock skew.
    case future
    /// Device time older than the retention of live tracking.
    case tooOld
    /// Faster than possible (over 200 km/h) from the neighbouring kept fix.
    case impossibleJump
    /// Same device time as a fix already kept.
    case duplicate
    /// Device time before the courier was assigned the delivery they are on: no part of it, and not
    /// to be made part of its evidence afterwards.
    case beforeAssignment
}
