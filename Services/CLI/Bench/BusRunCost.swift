import Foundation
import PosyCLI
import PosyCore

/// What one timed run of `posy bench bus` cost: this process's CPU (producers, forwarder and
/// subscriber all live in it) and how busy the whole machine was meanwhile, so that a run can say
/// what limited it (docs/performance.md, "What limits a run").
struct BusRunCost {
    private let cpu: Double?
    private let machine: MachineCPU?
    private let start = ContinuousClock.now

    init() {
        cpu = ProcessCPU.seconds()
        machine = MachineCPU.now()
    }

    /// Fills `result`'s cost fields for the run that began at `init` and ends now.
    func finish(_ result: inout BusBenchCommand.Result) {
        let wall = (ContinuousClock.now - start).seconds
        if let before = cpu, let after = ProcessCPU.seconds(), wall > 0 {
            result.benchCores = (after - before) / wall
            if result.events > 0 { result.cpuUsPerEvent = (after - before) * 1e6 / Double(result.events) }
        }
        if let before = machine, let after = MachineCPU.now() { result.machineBusy = after.busyShare(since: before) }
    }

    /// One line on what limited a full-rate run, or nil without its figures.
    static func limit(of r: BusBenchCommand.Result, cores: Int) -> String? {
        guard let perEvent = r.cpuUsPerEvent, let busy = r.machineBusy, let used = r.benchCores else { return nil }
        return "\(r.name): " + MachineCPU.limit(cpuUsPerEvent: perEvent, processCores: used, machineBusy: busy, cores: cores)
    }
}
