import Foundation

/// CPU time (user + system) a process has used so far, from `/proc/<pid>/stat` (Linux).
package enum ProcessCPU {
    /// Seconds of CPU of `pid` (0 for this process); nil where `/proc` is not readable.
    package static func seconds(_ pid: Int32 = 0) -> Double? {
        let path = pid == 0 ? "/proc/self/stat" : "/proc/\(pid)/stat"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Seconds of CPU of all of `pids` together.
    package static func total(_ pids: [Int32]) -> Double? {
        var sum = 0.0
        for pid in pids {
            guard let s = seconds(pid) else { return nil }
            sum += s
        }
        return sum
    }
}
