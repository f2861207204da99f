import Foundation

/// CPU time (user + system) a process has used so far, from `/proc/<pid>/stat` (Linux).
package enum ProcessCPU {
    /// Seconds of CPU of `pid` (0 for this process); nil where `/proc` is not readable.
    package static func seconds(_ pid: Int32 = 0) -> Double? {
        let path = pid == 0 ? "/proc/self/stat" : "/proc/\(pid)/stat"
        return (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(seconds(stat:))
    }

    /// Seconds of CPU a `/proc/…/stat` line gives (a process's or one thread's).
    static func seconds(stat text: String) -> Double? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The voluntary context switches a `/proc/…/status` gives.
    static func wakeUps(status text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("voluntary_ctxt_switches:") }) else { return nil }
        return Int(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "")
    }

    /// Times the threads of `pid` went to sleep and had to be woken (voluntary context switches,
    /// `/proc/<pid>/task/*/status`), threads that ended not counted; nil where `/proc` is not readable.
    /// Less noisy than CPU time on a shared machine, and what a hand-off between threads costs.
    package static func wakeUps(_ pid: Int32) -> Int? {
        guard FileManager.default.fileExists(atPath: "/proc/\(pid)/task") else { return nil }
        return ThreadSample.all(of: pid).reduce(0) { $0 + $1.wakeUps }
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
