import Foundation

/// Continuous replication of every store with Litestream (docs/operations.md, "Backup and
/// restore"): `posy up --replicate URL` writes `<data-dir>/litestream.yml` and supervises
/// `litestream replicate` beside the services; each store's replica is `<URL>/<store>` (`file://`
/// directories or an S3-compatible `s3://bucket/path`).
struct Replication: Sendable {
    let url: String
    let dataDir: String
    let stores: [String]

    static let configName = "litestream.yml"

    /// Whether `url` is a replica URL Litestream takes: `file:///absolute/dir` or `s3://bucket[/path]`.
    static func isValid(_ url: String) -> Bool {
        if url.hasPrefix("file:///") { return url.count > "file:///".count && !url.contains("..") }
        if url.hasPrefix("s3://") { return url.count > "s3://".count && !url.contains(" ") }
        return false
    }

    /// The store files of a suite with `shards` messaging shards (docs/architecture.md, "Processes").
    static func stores(shards: Int) -> [String] {
        ["orders"] + (1...shards).map { "messaging-\($0)" } + ["location", "receipts", "notify"]
    }

    /// The replica of one store.
    func replica(of store: String) -> String { (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/" + store }

    var configPath: String { (dataDir as NSString).appendingPathComponent(Self.configName) }

    /// Litestream's configuration: every store, each to its replica.
    var config: String {
        let absolute = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        var text = "# Written by posy up --replicate; every start writes it again.\ndbs:\n"
        for store in stores {
            text += "  - path: \(absolute)/\(store).db\n    replicas:\n      - url: \(replica(of: store))\n"
        }
        return text
    }

    /// Writes the configuration (0600: an S3 URL may carry credentials).
    func writeConfig() throws {
        try BackupTaker.writeDurably(Data(config.utf8), to: configPath + ".tmp")
        guard rename(configPath + ".tmp", configPath) == 0 else { throw BackupError(.io, "cannot write \(configPath)") }
    }

    /// The replication configured for `dataDir` by `posy up`, if any.
    static func configured(dataDir: String) -> [(store: String, replica: String)] {
        let path = (dataDir as NSString).appendingPathComponent(configName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var out: [(String, String)] = []
        var store: String?
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- path: ") {
                store = ((trimmed.dropFirst(8) as Substring).split(separator: "/").last.map(String.init) ?? "").replacingOccurrences(
                    of: ".db", with: "")
            } else if trimmed.hasPrefix("- url: "), let s = store {
                out.append((s, String(trimmed.dropFirst(7))))
            }
        }
        return out
    }

    /// Seconds since a `file://` replica last received anything (its newest file), or nil.
    static func age(ofReplica replica: String) -> Double? {
        guard replica.hasPrefix("file://") else { return nil }
        let dir = String(replica.dropFirst("file://".count))
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return nil }
        var newest: Date?
        while let relative = walker.nextObject() as? String {
            if let modified = walker.fileAttributes?[.modificationDate] as? Date,
                walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular
            {
                if newest.map({ modified > $0 }) ?? true { newest = modified }
            }
            _ = relative
        }
        return newest.map { max(0, Date().timeIntervalSince($0)) }
    }

    /// The `litestream` executable: `--litestream`, else the first on PATH.
    static func executable(_ given: String?) -> String? {
        if let given {
            let absolute = URL(fileURLWithPath: given).standardizedFileURL.path
            return FileManager.default.isExecutableFile(atPath: absolute) ? absolute : nil
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = URL(fileURLWithPath: "\(dir)/litestream").standardizedFileURL.path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
