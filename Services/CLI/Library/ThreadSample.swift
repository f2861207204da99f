import Foundation

/// One thread of a process as `/proc/<pid>/task/<tid>` shows it: its name (the kernel's 15 bytes),
/// its CPU time and the times it slept and was woken (voluntary context switches).
package struct ThreadSample: Sendable, Equatable {
    package let tid: Int32
    package let name: String
    package let cpuSeconds: Double
    package let wakeUps: Int

    package init(tid: Int32, name: String, cpuSeconds: Double, wakeUps: Int) {
        self.tid = tid
        self.name = name
        self.cpuSeconds = cpuSeconds
        self.wakeUps = wakeUps
    }

    /// The threads of `pid` now; those that end while being read are left out, and an unreadable
    /// `/proc` gives none.
    package static func all(of pid: Int32) -> [ThreadSample] {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return [] }
        return tasks.compactMap { task -> ThreadSample? in
            guard let tid = Int32(task),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                let cpu = ProcessCPU.seconds(stat: stat), let wakeUps = ProcessCPU.wakeUps(status: status)
            else { return nil }
            return ThreadSample(tid: tid, name: String(stat[stat.index(after: open)..<close]), cpuSeconds: cpu, wakeUps: wakeUps)
        }
    }

    /// What the threads alive at both samples did between them, summed by thread name: wake-ups and
    /// CPU seconds.
    package static func change(from before: [ThreadSample], to after: [ThreadSample]) -> [String: (wakeUps: Int, cpuSeconds: Double)] {
        let earlier = Dictionary(before.map { ($0.tid, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [String: (wakeUps: Int, cpuSeconds: Double)] = [:]
        for thread in after {
            guard let first = earlier[thread.tid], first.name == thread.name else { continue }
            let sum = out[thread.name] ?? (0, 0)
            out[thread.name] = (sum.wakeUps + thread.wakeUps - first.wakeUps, sum.cpuSeconds + thread.cpuSeconds - first.cpuSeconds)
        }
        return out
    }
}
