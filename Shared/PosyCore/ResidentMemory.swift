import Foundation

/// This process's resident memory (RSS), reported in every process's stats as `rss_bytes` so that
/// `posy status` can show it for processes on any host (docs/operations.md, "Checking it").
public enum ResidentMemory {
    /// Bytes resident now, from `/proc/self/statm` (pages × page size); nil where unreadable.
    public static func bytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
