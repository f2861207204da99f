import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Free space where a service writes, for its health: a full disk makes every write fail while
/// reads still answer, so "the store answers" alone reported a store that could not take an order
/// as healthy (docs/operations.md, "A full disk").
package enum DiskSpace {
    /// Below this many free bytes a store is reported unable to write (SQLite needs room for its
    /// write-ahead log and checkpoints; uploads need room for a chunk).
    package static let minimumFree: Int64 = 8 << 20

    /// Bytes available to this process on the file system holding `path`; nil when it cannot be read.
    package static func available(at path: String) -> Int64? {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        return Int64(st.f_bavail) * Int64(st.f_frsize)
    }

    /// `ok`, or why writes to `path` will fail.
    package static func check(_ path: String) -> String {
        guard let free = available(at: path) else { return "ok" }
        return free < minimumFree ? "disk full: \(free / 1024) KiB free at \(path)" : "ok"
    }
}
