import Foundation

/// Resident memory of a process from `/proc/<pid>/status` (Linux), in bytes: for `posy bench media`
/// and the tests that bound the gateway's and receipts' memory during uploads.
package enum ProcessMemory {
    package static func field(_ pid: Int32, _ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) << 10
    }

    /// Resets the peak RSS (`VmHWM`) to the current RSS (`clear_refs` 5); returns that RSS.
    package static func resetPeak(_ pid: Int32) -> Int {
        try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        return field(pid, "VmRSS")
    }

    /// The peak RSS since start or the last ``resetPeak(_:)``.
    package static func peak(_ pid: Int32) -> Int { field(pid, "VmHWM") }
}
