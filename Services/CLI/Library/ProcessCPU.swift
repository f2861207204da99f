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

    /// Times the threads of `pid` went to sleep and had to be woken (voluntary context switches,
    /// `/proc/<pid>/task/*/status`), threads that ended not counted; nil where `/proc` is not readable.
    /// Less noisy than CPU time on a shared machine, and what a hand-off between threads costs.
    package static func wakeUps(_ pid: Int32) -> Int? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var sum = 0
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("voluntary_ctxt_switches:") }),
                let count = Int(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "")
            else { continue }
            sum += count
        }
        return sum
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
