import Foundation

/// One scale of `posy bench peak` measured: its city, what the drivers saw, the webhooks received,
/// and what each process used while the hour ran.
struct PeakStep {
    var city: PeakCity
    var tally: PeakTally
    var webhooksExpected: Int
    var webhooksReceived: Int
    var webhooksDoubled: Int
    var badSignatures: Int
    /// Cores each process used in the measured window (name → cores), and the drivers together.
    var cpu: [String: Double]
    var driverCores: Double
    var rssMB: [String: Double]
    var gateways: Int
    var drivers: Int
    var loadAverage: Double
    var openSeconds: Double
    var measuredSeconds: Double
    /// Requests each service answered busy over the whole run (`rpc_refused_busy`, only those
    /// above zero): it was already handling as many as it takes at once.
    var refusedBusy: [String: Int64] = [:]

    static let cores = Double(ProcessInfo.processInfo.activeProcessorCount)

    var scale: Double { city.scale }

    func p99(_ level: String) -> Double? {
        guard let h = tally.latency[level], h.totalCount > 0 else { return nil }
        return Double(h.valueAtPercentile(99)) / 1000
    }

    /// Pushes that never came, webhooks never called, and orders that could not be walked to delivery.
    var lost: Int {
        let pushes = [PeakProbe.Level.assignment, PeakProbe.Level.chat, PeakProbe.Level.proof].reduce(0) {
            $0 + max(0, (tally.expected[$1] ?? 0) - (tally.received[$1] ?? 0))
        }
        return pushes + max(0, webhooksExpected - webhooksReceived)
    }

    var doubled: Int { tally.doubled.values.reduce(0, +) + webhooksDoubled }
    var failedOrders: Int { tally.ordersStarted - tally.ordersDelivered }

    func levelHeld(_ level: String, _ limit: Double) -> Bool {
        guard let p = p99(level) else { return false }
        return p <= limit && (level == PeakProbe.Level.position || (tally.expected[level] ?? 0) == (tally.received[level] ?? 0))
    }

    var held: Bool {
        PeakBenchCommand.limits.allSatisfy { levelHeld($0.name, $0.ms) } && lost == 0 && doubled == 0 && failedOrders == 0
            && tally.errorCount == 0 && badSignatures == 0
    }

    var suiteCores: Double { cpu.values.reduce(0, +) }

    /// What broke first, and where the machine's time went.
    var bottleneck: String {
        var broken = PeakBenchCommand.limits.filter { !levelHeld($0.name, $0.ms) }.map { l in
            "\(l.name) p99 \(p99(l.name).map { String(format: "%.0f ms", $0) } ?? "none") (limit \(Int(l.ms)) ms)"
        }
        if lost > 0 { broken.append("\(lost) lost") }
        if doubled > 0 { broken.append("\(doubled) doubled") }
        if failedOrders > 0 { broken.append("\(failedOrders) orders not delivered") }
        if tally.errorCount > 0 { broken.append("\(tally.errorCount) errors (first: \(tally.errors.first ?? ""))") }
        for (instance, n) in refusedBusy.sorted(by: { $0.value > $1.value }) {
            broken.append("posy-\(instance) answered \(n) requests busy")
        }
        let busiest = cpu.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) \(String(format: "%.2f", $0.value))" }
        let f = { (v: Double) in String(format: "%.2f", v) }
        return
            (broken + [
                "machine CPU \(f(suiteCores + driverCores)) of \(Int(Self.cores)) cores (suite \(f(suiteCores)), drivers \(f(driverCores)))",
                "busiest: " + busiest.joined(separator: ", "),
            ]).joined(separator: "; ")
    }

    var slos: [String: Any] {
        var out: [String: Any] = [:]
        for l in PeakBenchCommand.limits {
            let h = tally.latency[l.name]
            var level: [String: Any] = ["limitMs": l.ms, "held": levelHeld(l.name, l.ms)]
            level["p99Ms"] = p99(l.name).map { ($0 * 10).rounded() / 10 } ?? NSNull()
            level["p50Ms"] = h.map { (Double($0.valueAtPercentile(50)) / 100).rounded() / 10 } ?? NSNull()
            level["samples"] = h.map { Int($0.totalCount) } ?? 0
            level["expected"] = tally.expected[l.name] ?? NSNull()
            out[l.name] = level
        }
        return out
    }

    var json: [String: Any] {
        let round2 = { (v: Double) in (v * 100).rounded() / 100 }
        var out: [String: Any] = [
            "scale": scale, "ordersPerHour": city.ordersPerHour.rounded(), "couriers": city.couriers, "streams": tally.streams,
            "customers": city.customers, "consoles": city.consoles, "shops": city.shops,
        ]
        out["fixesPerSecond"] = round2(city.fixesPerSecond)
        out["slos"] = slos
        out["lost"] = lost
        out["doubled"] = doubled
        out["orders"] = tally.ordersStarted
        out["delivered"] = tally.ordersDelivered
        out["errors"] = tally.errorCount
        out["webhooks"] = ["expected": webhooksExpected, "received": webhooksReceived]
        out["cpuPerProcess"] = cpu.mapValues(round2)
        out["rssMbPerProcess"] = rssMB.mapValues { $0.rounded() }
        out["driverCores"] = round2(driverCores)
        out["suiteCores"] = round2(suiteCores)
        out["machineCores"] = Self.cores
        out["loadAverageBefore"] = round2(loadAverage)
        out["gateways"] = gateways
        out["drivers"] = drivers
        out["held"] = held
        out["measuredSeconds"] = measuredSeconds.rounded()
        out["streamsOpenSeconds"] = openSeconds.rounded()
        out["streamRetries"] = tally.streamRetries
        out["refusedBusy"] = refusedBusy
        return out
    }

    var summary: String {
        let levels = PeakBenchCommand.limits.map { l in
            "\(l.name) p99 \(p99(l.name).map { String(format: "%.0f", $0) } ?? "-")/\(Int(l.ms)) ms"
        }
        let f = { (v: Double) in String(format: "%.2f", v) }
        return "scale \(scale) \(held ? "HELD" : "BROKEN"): \(tally.ordersStarted) orders (\(tally.ordersDelivered) delivered), "
            + "\(tally.streams) streams, \(levels.joined(separator: ", ")); lost \(lost), doubled \(doubled); "
            + "suite \(f(suiteCores)) + drivers \(f(driverCores)) of \(Int(Self.cores)) cores"
    }
}
