import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The process's limit on open files (`RLIMIT_NOFILE`). Every connection is a descriptor: a
/// gateway holding live streams needs one per stream, and the usual soft limit (1,024) would stop
/// it near a thousand. So every Posy process raises its soft limit to the hard one at start and
/// logs both (docs/operations.md, "Open files"); the gateway keeps a reserve below it for
/// everything that is not a stream.
public struct FileLimits: Sendable, Equatable {
    public var soft: Int
    public var hard: Int

    public init(soft: Int, hard: Int) {
        self.soft = soft
        self.hard = hard
    }

    /// The limits now.
    public static func current() -> FileLimits {
        var l = rlimit()
        guard getrlimit(Self.resource, &l) == 0 else { return FileLimits(soft: 1024, hard: 1024) }
        return FileLimits(soft: Self.count(l.rlim_cur), hard: Self.count(l.rlim_max))
    }

    /// Raises the soft limit to the hard one (to the kernel's `nr_open` where the hard one is
    /// unlimited, which `setrlimit` would refuse). Returns the limits before and after.
    @discardableResult
    public static func raise() -> (before: FileLimits, after: FileLimits) {
        let before = current()
        var l = rlimit()
        guard getrlimit(Self.resource, &l) == 0 else { return (before, before) }
        var target = l.rlim_max
        if target == Self.infinity { target = rlim_t(Self.kernelMaximum() ?? before.soft) }
        if target > l.rlim_cur {
            l.rlim_cur = target
            _ = setrlimit(Self.resource, &l)
        }
        return (before, current())
    }

    /// Descriptors open in this process now (the entries of `/proc/self/fd`), nil where unreadable.
    public static func openCount() -> Int? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        return max(0, entries.count - 1)  // less the one listing the directory
    }

    public static func kernelMaximum() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func count(_ v: rlim_t) -> Int { v == infinity || v > rlim_t(Int.max) ? Int.max : Int(v) }

    /// `RLIM_INFINITY` (all ones), which Swift imports as a literal that does not fit `rlim_t`.
    static let infinity = rlim_t.max

    #if canImport(Glibc)
        static var resource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
    #else
        static var resource: Int32 { RLIMIT_NOFILE }
    #endif
}
