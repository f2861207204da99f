import Foundation

/// All cores' CPU time so far, from the first line of `/proc/stat` (Linux), in clock ticks: what a
/// benchmark compares before and after a run to say whether the machine's CPU was what limited it
/// (docs/performance.md, "What limits a run").
package struct MachineCPU: Sendable, Equatable {
    /// Ticks spent running anything: user, nice, system, irq and softirq.
    package var busy: UInt64
    /// Ticks the hypervisor ran someone else while this machine had work (`steal`).
    package var steal: UInt64
    /// Every tick of every core, idle and I/O wait included.
    package var total: UInt64

    package init(busy: UInt64, steal: UInt64, total: UInt64) {
        self.busy = busy
        self.steal = steal
        self.total = total
    }

    /// This machine now; nil where `/proc/stat` is not readable.
    package static func now() -> MachineCPU? {
        (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).flatMap(parse)
    }

    /// The load averages over 1, 5 and 15 minutes as `/proc/loadavg` gives them, for a benchmark's
    /// report; empty where it is not readable.
    package static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// The `cpu` line of a `/proc/stat` text: `cpu user nice system idle iowait irq softirq steal …`
    /// (`guest` and `guest_nice` are already inside `user` and `nice`). Nil for anything else.
    package static func parse(_ text: String) -> MachineCPU? {
        guard let line = text.split(separator: "\n").first else { return nil }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 9, fields[0] == "cpu" else { return nil }
        var ticks: [UInt64] = []
        for field in fields[1...8] {
            guard let n = UInt64(field) else { return nil }
            ticks.append(n)
        }
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]
        return MachineCPU(busy: busy, steal: ticks[7], total: ticks.reduce(0, +))
    }

    /// The share of all cores busy (stolen time included: the machine could not run anything
    /// else then either) between `earlier` and this reading; nil if no time passed or the counters
    /// went backwards.
    package func busyShare(since earlier: MachineCPU) -> Double? {
        guard total > earlier.total, busy >= earlier.busy, steal >= earlier.steal else { return nil }
        return Double(busy - earlier.busy + steal - earlier.steal) / Double(total - earlier.total)
    }
}
