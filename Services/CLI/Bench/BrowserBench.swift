import ArgumentParser
import Foundation
import PosyCore

/// What the benchmarks that drive headless Chromium share (`posy bench console|courier|customer|call`):
/// finding their selenium driver in `Tests/python`, running it on a JSON config and reading the one
/// JSON line it prints, and the orders they need.
enum BrowserBench {
    /// A browser driver in `Tests/python`: in the current directory's checkout, or the one this
    /// executable was built in.
    static func script(named name: String) -> String? {
        var candidates = ["Tests/python/\(name)"]
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for _ in 0..<4 {
                url = url.deletingLastPathComponent()
                candidates.append(url.appendingPathComponent("Tests/python/\(name)").path)
            }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Runs `Tests/python/<name>` on `config` (written into `dir`); its last JSON line, raw and parsed.
    static func run(_ name: String, config: [String: Any], in dir: String) throws -> (line: String, report: [String: Any]) {
        guard let script = script(named: name) else { throw ValidationError("Tests/python/\(name) not found: run from the repository") }
        let configPath = (dir as NSString).appendingPathComponent((name as NSString).deletingPathExtension + ".json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, configPath]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0, let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let report = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw ValidationError("the browser run failed:\n\(output.suffix(3000))") }
        return (String(line), report)
    }

    /// `yyyy-MM-dd` now in `zone`.
    static func today(in zone: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: zone)
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }

    /// Courier k1 on duty and one order of customer c1 to `home`, today 10:00–12:00 in the shop's
    /// zone, moved on to `outForDelivery`; its id and tracking link.
    static func orderOnItsWay(
        _ suite: BenchSuite, staff: String, courier: String, home: (Double, Double)
    ) async throws -> (id: String, trackingUrl: String) {
        guard
            try await suite.send(
                "POST", "/v1/shops/s1/couriers", try suite.adminToken(),
                Data(#"{"id":"k1","name":"Li Wei","phone":"+86 131 0000 0001","vehicle":"ebike","onDuty":true}"#.utf8)
            ).0 == 201
        else { throw ValidationError("could not create the courier") }
        let day = today(in: "Asia/Shanghai")
        let order =
            #"{"shopId":"s1","customer":{"id":"c1","name":"Mei"},"recipient":{"name":"Mother","address":"12 Garden Rd","lat":\#(home.0),"lon":\#(home.1)},"#
            + #""items":[{"name":"carnations","quantity":12}],"handling":{"noDoorstep":true},"#
            + #""window":{"start":"\#(day)T10:00:00+08:00","end":"\#(day)T12:00:00+08:00"}}"#
        let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
        guard status == 201, let created = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            let id = created["id"] as? String, let link = created["trackingUrl"] as? String
        else { throw ValidationError("could not create the order: \(status)") }
        for (path, token, payload) in [
            ("confirm", staff, "{}"), ("assign", staff, #"{"courierId":"k1"}"#), ("accept", courier, "{}"), ("pickup", courier, "{}"),
            ("depart", courier, "{}"),
        ] {
            guard try await suite.send("POST", "/v1/orders/\(id)/\(path)", token, Data(payload.utf8)).0 == 200 else {
                throw ValidationError("could not \(path) the order")
            }
        }
        return (id, link)
    }
}
