import PosySchema

/// Renders `stats` reports as Prometheus text exposition (version 0.0.4).
///
/// A counter `name.label` becomes `posy_name_total{instance,service,key="label"}`; a latency
/// histogram `rpc.health` becomes `posy_rpc_seconds{…,key="health"}` with `_bucket`, `_sum`, `_count`.
public enum PrometheusRenderer {
    public static func render(_ reports: [(String, StatsReport?)]) -> String {
        var families: [String: (type: String, lines: [String])] = [:]
        func add(_ family: String, _ type: String, _ line: String) {
            families[family, default: (type, [])].lines.append(line)
        }
        for (instance, report) in reports {
            let service = report?.service ?? instance
            let base = "instance=\"\(escape(instance))\",service=\"\(escape(service))\""
            add("posy_up", "gauge", "posy_up{\(base)} \(report == nil ? 0 : 1)")
            guard let report else { continue }
            for (name, value) in report.counters.sorted(by: { $0.key < $1.key }) {
                let (metric, key) = split(name)
                let family = "posy_\(metric)_total"
                let labels = key.map { "\(base),key=\"\(escape($0))\"" } ?? base
                add(family, "counter", "\(family){\(labels)} \(value)")
            }
            for (name, value) in report.gauges.sorted(by: { $0.key < $1.key }) {
                let (metric, key) = split(name)
                let family = "posy_\(metric)"
                let labels = key.map { "\(base),key=\"\(escape($0))\"" } ?? base
                add(family, "gauge", "\(family){\(labels)} \(value)")
            }
            for (name, h) in report.latencies.sorted(by: { $0.key < $1.key }) {
                let (metric, key) = split(name)
                let family = "posy_\(metric)_seconds"
                let labels = key.map { "\(base),key=\"\(escape($0))\"" } ?? base
                for (bound, count) in zip(h.bounds, h.counts) {
                    add(family, "histogram", "\(family)_bucket{\(labels),le=\"\(bound)\"} \(count)")
                }
                add(family, "histogram", "\(family)_bucket{\(labels),le=\"+Inf\"} \(h.count)")
                add(family, "histogram", "\(family)_sum{\(labels)} \(h.sum)")
                add(family, "histogram", "\(family)_count{\(labels)} \(h.count)")
            }
        }
        var out = ""
        for family in families.keys.sorted() {
            let f = families[family]!
            out += "# TYPE \(family) \(f.type)\n"
            for line in f.lines { out += line + "\n" }
        }
        return out
    }

    /// `rpc_requests.health` → (`rpc_requests`, `health`); names are made Prometheus-safe.
    static func split(_ name: String) -> (String, String?) {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        let metric = String(parts[0].map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        return (metric, parts.count > 1 ? parts[1] : nil)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
