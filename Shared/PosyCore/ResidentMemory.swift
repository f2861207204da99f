import Foundation

/// This process's resident memory, reported in every process's stats so that `posy status` can show
/// it for processes on any host (docs/operations.md, "Checking it"): `rss_bytes` counts every page
/// the process has resident, shared libraries included; `pss_bytes` divides each shared page among
/// the processes that map it, so the suite's processes' PSS add up to what they cost the machine
/// (docs/performance.md, "Memory at rest").
public enum ResidentMemory {
    /// Bytes resident now, from `/proc/self/statm` (pages × page size); nil where unreadable.
    public static func bytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Proportional set size, from `/proc/self/smaps_rollup`; nil where unreadable.
    public static func proportionalBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/smaps_rollup", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kib << 10
    }
}
