import Foundation
import PosyCLI
import Testing

/// The machine's CPU as the benchmarks read it to say what limited a run (docs/performance.md,
/// "What limits a run").
@Suite struct MachineCPUTests {
    /// A kernel's `/proc/stat` as it begins: busy is user + nice + system + irq + softirq, steal
    /// apart, total every column up to steal (guest time is already inside user).
    @Test func readsTheCPULineOfProcStat() throws {
        let text = """
            cpu  766613 3648 167031 907336 5861 0 10986 2886 120 0
            cpu0 383306 1824 83515 453668 2930 0 5493 1443 60 0
            intr 1 2 3
            """
        let cpu = try #require(MachineCPU.parse(text))
        #expect(cpu.busy == 766_613 + 3_648 + 167_031 + 0 + 10_986)
        #expect(cpu.steal == 2_886)
        #expect(cpu.total == 766_613 + 3_648 + 167_031 + 907_336 + 5_861 + 0 + 10_986 + 2_886)
        // A kernel too old to count steal, a per-core line first, or numbers that are not: nothing.
        #expect(MachineCPU.parse("cpu  1 2 3 4 5 6 7") == nil)
        #expect(MachineCPU.parse("cpu0 1 2 3 4 5 6 7 8") == nil)
        #expect(MachineCPU.parse("cpu  1 2 x 4 5 6 7 8") == nil)
        #expect(MachineCPU.parse("") == nil)
    }

    @Test func sharesBusyTimeBetweenTwoReadingsAndRefusesNone() {
        let before = MachineCPU(busy: 1_000, steal: 10, total: 4_000)
        let after = MachineCPU(busy: 1_150, steal: 20, total: 4_200)
        #expect(after.busyShare(since: before) == 0.8)  // 150 busy + 10 stolen of 200 ticks
        #expect(before.busyShare(since: after) == nil)  // counters never go back
        #expect(before.busyShare(since: before) == nil)  // no time passed
    }

    /// This machine's own counters: readable, and moving forward while this process spins.
    @Test func readsThisMachine() throws {
        let first = try #require(MachineCPU.now())
        let until = ContinuousClock.now + .milliseconds(100)
        var spins = 0
        while ContinuousClock.now < until { spins &+= 1 }
        let second = try #require(MachineCPU.now())
        let share = try #require(second.busyShare(since: first))
        #expect(second.busy > first.busy && share > 0 && share <= 1, "spun \(spins) times")
    }

    @Test func saysWhetherTheMachineOrTheHandOffsLimitedARun() {
        let bound = MachineCPU.limit(cpuUsPerEvent: 40, processCores: 1.8, machineBusy: 0.92, cores: 2)
        #expect(bound.contains("bound by the machine's CPU") && bound.contains("carry at most 50000 events/s"), "\(bound)")
        #expect(bound.hasPrefix("40.0 µs of CPU per event, the bench on 1.80 cores, the machine 92 % busy"), "\(bound)")
        let idle = MachineCPU.limit(cpuUsPerEvent: 40, processCores: 1.1, machineBusy: 0.6, cores: 2)
        #expect(idle.contains("not bound by CPU (40 % of the machine idle)") && !idle.contains("carry at most"), "\(idle)")
    }
}
