import Crypto
import Foundation
import Logging
import PosyAccess
import PosyAuth
import PosyCore
import PosySchema
import PosyStore

/// Takes a backup of a running suite (docs/operations.md, "Backup and restore"): every store held
/// at one instant, then written aside by its own process and fetched over RPC with the media its
/// snapshot names; the keys, the secret and a manifest beside them. Nothing is left behind on failure.
struct BackupTaker {
    let busSub: String
    let security: BusSecurity
    let dataDir: String
    let keysDir: String
    /// Where backups go: each one a directory `posy-<time>-<random>` in it.
    let parent: String
    /// The schedule this backup is on, told to the stores (nil: by hand).
    var everySeconds: Double?
    var holdSeconds = 5.0
    var progress: @Sendable (String) -> Void = { _ in }

    struct Peer: Sendable {
        let instance: String
        let service: String
        let rpc: String
    }

    /// Takes one backup; returns its directory and manifest.
    func take() async throws -> (String, BackupManifest) {
        let started = Timestamp.now()
        let directory = try await Discovery.peers(busSub: busSub, security: security, listen: .milliseconds(1500))
        let stores = directory.all.map(\.heartbeat)
            .filter { !$0.epoch.isEmpty && Self.storeServices.contains($0.service) }
            .map { Peer(instance: $0.instance, service: $0.service, rpc: $0.rpc) }
            .sorted { $0.instance < $1.instance }
        for needed in Self.storeServices
        where !stores.contains(where: { $0.service == needed }) {
            throw BackupError(.suiteNotReady, "no \(needed) heartbeating on \(busSub): every store must be running to back up the suite")
        }
        let id = Self.newId()
        let pool = RPCClientPool(security: security)
        do {
            let result = try await run(id: id, started: started, stores: stores, pool: pool)
            await pool.closeAll()
            return result
        } catch {
            await pool.closeAll()
            throw error
        }
    }

    private func run(id: String, started: String, stores: [Peer], pool: RPCClientPool) async throws -> (String, BackupManifest) {
        let cli = Viewer.service(ServiceName.cli)
        func client(_ p: Peer) async throws -> RPCClient { try await pool.client(p.rpc, identity: p.service) }
        func endAll(completed: Bool) async {
            await withTaskGroup(of: Void.self) { g in
                for p in stores {
                    g.addTask {
                        _ = try? await client(p).call(
                            BackupRPC.end, .init(id: id, completed: completed, everySeconds: everySeconds), as: cli, timeout: .seconds(10))
                    }
                }
            }
        }
        let staging = (parent as NSString).appendingPathComponent(".partial-\(id)")
        do {
            // 1. Every store snapshots and holds its writes; 2. all released once all are held, so no
            // store's snapshot holds an event its producer's snapshot lacks (docs/architecture.md,
            // "Backup and restore").
            let holdStarted = ContinuousClock.now
            let holds = try await withThrowingTaskGroup(of: (Peer, BackupRPC.HoldReply).self) { g in
                for p in stores {
                    g.addTask {
                        do {
                            let reply = try await client(p).call(
                                BackupRPC.hold, .init(id: id, holdSeconds: holdSeconds), as: cli, timeout: .seconds(holdSeconds))
                            return (p, reply)
                        } catch {
                            throw BackupError(.suiteNotReady, "\(p.instance) did not hold its store: \(error)")
                        }
                    }
                }
                return try await g.reduce(into: [:]) { $0[$1.0.instance] = $1.1 }
            }
            // A store's file is a plain name in the data directory, whoever says otherwise.
            for (instance, reply) in holds where !Self.isStoreFileName(reply.storeFile) {
                throw BackupError(.damaged, "\(instance) named its store '\(reply.storeFile.prefix(80))'")
            }
            let instant = Timestamp.now()
            let released = try await withThrowingTaskGroup(of: (String, Bool).self) { g in
                for p in stores {
                    g.addTask {
                        let held = try await client(p).call(BackupRPC.release, .init(id: id), as: cli).heldThroughout
                        return (p.instance, held)
                    }
                }
                return try await g.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            if let late = released.first(where: { !$0.value })?.key {
                throw BackupError(
                    .suiteNotReady, "\(late) let its writes go before every store was held (over \(holdSeconds) s): try again")
            }
            // At most this long did any store hold its writes: from the first hold asked to the last release answered.
            let heldMs = Int(((ContinuousClock.now - holdStarted).seconds * 1000).rounded(.up))
            progress("every store held at \(instant) (writes waited at most \(heldMs) ms); writing the snapshots")
            try Self.makePrivateDirectory(parent)
            try Self.makePrivateDirectory(staging)
            // 3. Each process writes its snapshot aside; 4. its files come over RPC, hashed as they arrive.
            var files: [BackupManifest.FileEntry] = []
            var missing: [String] = []
            for p in stores {
                let prepared = try await client(p).call(BackupRPC.prepare, .init(id: id), as: cli, timeout: .seconds(600))
                for file in prepared.files {
                    if file.size < 0 {
                        missing.append(file.name)
                        continue
                    }
                    files.append(try await fetch(file, id: id, from: client(p), into: staging, as: cli))
                }
                progress("\(p.instance): \(prepared.files.count) file(s)")
            }
            files += try copySecrets(into: staging)
            // 5. The manifest, from the copies themselves.
            var entries: [BackupManifest.StoreEntry] = []
            for p in stores {
                let hold = holds[p.instance]!
                let described = try BackupManifest.describe(storeAt: (staging as NSString).appendingPathComponent(hold.storeFile))
                guard described.epoch == hold.epoch else {
                    throw BackupError(.damaged, "\(hold.storeFile) came back with epoch \(described.epoch), its process said \(hold.epoch)")
                }
                entries.append(
                    .init(
                        instance: p.instance, service: p.service, file: hold.storeFile, epoch: described.epoch,
                        schemaVersion: described.schema, logPosition: described.pos, topicHeads: described.heads))
            }
            let receipts = entries.first { $0.service == ServiceName.receipts }!
            let evidence = try Self.evidenceHeads((staging as NSString).appendingPathComponent(receipts.file))
            let secret = try SuiteSecret.load(dataDir: dataDir, create: false)
            let manifest = BackupManifest(
                id: id, suite: BackupManifest.suiteId(secret: secret), version: PosyVersion.current, startedAt: started,
                instantAt: instant, writesHeldMs: heldMs, finishedAt: Timestamp.now(),
                messagingShards: entries.filter { $0.service == ServiceName.messaging }.count, stores: entries,
                files: files.sorted { $0.name < $1.name }, evidence: evidence, missingAtSource: missing.sorted())
            try Self.writeDurably(try JSON.encode(manifest), to: (staging as NSString).appendingPathComponent(BackupManifest.fileName))
            let final = (parent as NSString).appendingPathComponent("posy-\(id)")
            guard rename(staging, final) == 0 else { throw BackupError(.io, "cannot rename \(staging) to \(final): \(Self.errno())") }
            DurableFiles.syncDirectory(parent)
            await endAll(completed: true)
            return (final, manifest)
        } catch {
            await endAll(completed: false)
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// Fetches one file in `backup.read` pieces into `staging/<name>`, hashing as it goes; a blob's
    /// name is its SHA-256, checked too.
    private func fetch(
        _ file: BackupRPC.File, id: String, from client: RPCClient, into staging: String, as cli: Viewer
    ) async throws -> BackupManifest.FileEntry {
        let parts = file.name.split(separator: "/")
        guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." }), !file.name.hasPrefix("/") else {
            throw BackupError(.damaged, "a store offered the file name '\(file.name)'")
        }
        let path = (staging as NSString).appendingPathComponent(file.name)
        try Self.makePrivateDirectory((path as NSString).deletingLastPathComponent)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let out = FileHandle(forWritingAtPath: path)
        else { throw BackupError(.io, "cannot write \(path)") }
        defer { try? out.close() }
        var hasher = SHA256()
        var offset: Int64 = 0
        while offset < file.size {
            let body = cli.request(try JSON.encode(BackupRPC.ReadRequest(id: id, name: file.name, offset: offset)))
            let chunk = try await client.call(BackupRPC.read.name, body: body, timeout: .seconds(60))
            guard !chunk.isEmpty else { break }
            hasher.update(data: chunk)
            try out.write(contentsOf: chunk)
            offset += Int64(chunk.count)
        }
        guard offset == file.size else {
            throw BackupError(.io, "\(file.name): \(offset) bytes came of \(file.size)")
        }
        try out.synchronize()
        let sha = Hex.encode(hasher.finalize())
        if file.name.hasPrefix("media/blobs/"), sha != parts.last.map(String.init) {
            throw BackupError(.damaged, "\(file.name) on the source does not hash to its name (\(sha))")
        }
        return .init(name: file.name, size: offset, sha256: sha)
    }

    /// The suite's secret and every key file, as they are in the data directory.
    private func copySecrets(into staging: String) throws -> [BackupManifest.FileEntry] {
        var copied: [BackupManifest.FileEntry] = []
        let secret = (dataDir as NSString).appendingPathComponent("secret")
        var sources: [(String, String)] = []
        if FileManager.default.fileExists(atPath: secret) { sources.append((secret, "secret")) }
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: keysDir)) ?? []).sorted()
        where !name.hasPrefix(".") && !name.contains(".tmp") {
            let path = (keysDir as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            sources.append((path, "keys/\(name)"))
        }
        for (source, name) in sources {
            guard let data = FileManager.default.contents(atPath: source) else { throw BackupError(.io, "cannot read \(source)") }
            let target = (staging as NSString).appendingPathComponent(name)
            try Self.makePrivateDirectory((target as NSString).deletingLastPathComponent)
            try Self.writeDurably(data, to: target)
            copied.append(.init(name: name, size: Int64(data.count), sha256: Hex.encode(SHA256.hash(data: data))))
        }
        return copied
    }

    static func evidenceHeads(_ receiptsDB: String) throws -> [BackupManifest.EvidenceHead] {
        let db = try SQLiteConnection(path: receiptsDB, readOnly: true)
        return try db.query("SELECT order_id, n, hash FROM evidence_heads ORDER BY order_id").map {
            .init(orderId: $0.string(0) ?? "", records: Int($0.int(1) ?? 0), hash: $0.string(2) ?? "")
        }
    }

    /// The suite's services that keep a store: a backup has each of them.
    static let storeServices = [ServiceName.orders, ServiceName.messaging, ServiceName.location, ServiceName.receipts, ServiceName.notify]

    /// `orders.db`, `messaging-2.db`: lower-case letters, digits and `-`, then `.db`.
    static func isStoreFileName(_ name: String) -> Bool {
        name.hasSuffix(".db") && name.count > 3 && name.count <= 64
            && name.dropLast(3).allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }

    static func newId() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(f.string(from: Date()))-\(Hex.encode((0..<3).map { _ in UInt8.random(in: 0...255) }))"
    }

    static func makePrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BackupError(.io, "cannot make \(path): \(error.localizedDescription)")
        }
    }

    /// Writes `data` to `path` (0600) and fsyncs it.
    static func writeDurably(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let out = FileHandle(forWritingAtPath: path)
        else { throw BackupError(.io, "cannot write \(path)") }
        defer { try? out.close() }
        try out.write(contentsOf: data)
        try out.synchronize()
    }

    static func errno() -> String { String(cString: strerror(Foundation.errno)) }
}
