import Foundation

extension MachineCPU {
    /// A run's share of the machine at or above this is called bound by the machine's CPU.
    package static let cpuBound = 0.85

    /// What limited a run at full rate, from what it cost (docs/performance.md, "What limits a
    /// run"): the machine's CPU when `machineBusy` reached ``cpuBound`` — then with the most events
    /// per second `cores` can carry at `cpuUsPerEvent` — otherwise the hand-offs between threads.
    package static func limit(cpuUsPerEvent: Double, processCores: Double, machineBusy: Double, cores: Int) -> String {
        let costs = String(
            format: "%.1f µs of CPU per event, the bench on %.2f cores, the machine %.0f %% busy", cpuUsPerEvent, processCores,
            machineBusy * 100)
        guard machineBusy >= cpuBound else {
            return
                "\(costs) — not bound by CPU (\(String(format: "%.0f", (1 - machineBusy) * 100)) % of the machine idle): by hand-offs between threads"
        }
        let ceiling = cpuUsPerEvent > 0 ? Double(cores) * 1e6 / cpuUsPerEvent : 0
        return
            "\(costs) — bound by the machine's CPU: at this cost \(cores) cores carry at most \(String(format: "%.0f", ceiling)) events/s"
    }
}
