import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Raw HTTP for media tests: bytes in and out, with response headers (`Harness.http` speaks JSON).
struct MediaClient {
    let base: String

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var code: String { "\(status) \(json["code"] as? String ?? "-")" }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    func request(_ method: String, _ path: String, token: String?, body: Data? = nil, headers: [String: String] = [:]) async -> Reply {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = method
        r.timeoutInterval = 30
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        r.httpBody = body
        guard let (data, response) = await Harness.data(for: r), let http = response as? HTTPURLResponse else {
            return Reply(status: 0, headers: [:], body: Data())
        }
        var h: [String: String] = [:]
        for (k, v) in http.allHeaderFields { h["\(k)"] = "\(v)" }
        return Reply(status: http.statusCode, headers: h, body: data)
    }

    func upload(_ bytes: Data, type: String, order: String, token: String) async -> Reply {
        await request("POST", "/v1/media?orderId=\(order)", token: token, body: bytes, headers: ["Content-Type": type])
    }

    func json(_ method: String, _ path: String, token: String?, _ object: Any = [String: Any]()) async -> Reply {
        await request(
            method, path, token: token, body: try? JSONSerialization.data(withJSONObject: object),
            headers: ["Content-Type": "application/json"])
    }
}

extension MediaClient {
    /// A committed sample file from `Tests/Fixtures/media`.
    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: Harness.packageRoot.appendingPathComponent("Tests/Fixtures/media/\(name)"))
    }
}
