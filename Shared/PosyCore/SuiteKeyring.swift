import Foundation
import PosyAccess
import PosySchema
import PosyZMQ

/// The suite's CURVE keys as a process sees them (docs/operations.md, "Keys"): its own pair, from
/// `<dir>/<identity>.key` (the secret, mode 0600, only on the host that runs the identity), and
/// every identity's public key, from the `<dir>/*.pub` files every host shares. An identity is a
/// service (`orders`; messaging's shards share `messaging`), `cli` for the `posy` tool, or any name
/// an operator issues a key for.
public struct SuiteKeyring: Sendable {
    public let directory: String
    public let identity: String
    public let own: ZMQCurveKeyPair
    /// Identity → Z85 public key.
    public let known: [String: String]

    /// The identities `posy up` creates keys for.
    public static let suiteIdentities = [
        ServiceName.bus, ServiceName.orders, ServiceName.messaging, ServiceName.location, ServiceName.receipts, ServiceName.notify,
        ServiceName.gateway, ServiceName.cli,
    ]

    /// The keyring of `identity` in `directory`.
    public static func load(directory: String, identity: String) throws(KeyringError) -> SuiteKeyring {
        try check(identity)
        let secretPath = path(directory, identity, "key")
        guard FileManager.default.fileExists(atPath: secretPath) else { throw .missing(path: secretPath) }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: secretPath))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw .exposed(path: secretPath)
        }
        guard let pair = ZMQCurveKeyPair(secretKey: try read(secretPath)) else { throw .invalid(path: secretPath) }
        var known = try publicKeys(directory: directory)
        known[identity] = pair.publicKey
        return SuiteKeyring(directory: directory, identity: identity, own: pair, known: known)
    }

    /// Every `<identity>.pub` in `directory`.
    public static func publicKeys(directory: String) throws(KeyringError) -> [String: String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .io("cannot list \(directory): \(error.localizedDescription)")
        }
        var keys: [String: String] = [:]
        for name in names where name.hasSuffix(".pub") {
            let identity = String(name.dropLast(4))
            guard isIdentity(identity) else { continue }
            let file = path(directory, identity, "pub")
            let key = try read(file)
            guard ZMQCurveKeyPair.isKey(key) else { throw .invalid(path: file) }
            keys[identity] = key
        }
        return keys
    }

    /// Creates a key pair for each identity that has none (the secret 0600, the directory 0700);
    /// returns the identities it created keys for. Existing keys are never replaced.
    @discardableResult
    public static func create(directory: String, identities: [String]) throws(KeyringError) -> [String] {
        for identity in identities { try check(identity) }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create \(directory): \(error.localizedDescription)")
        }
        var created: [String] = []
        for identity in identities where !FileManager.default.fileExists(atPath: path(directory, identity, "key")) {
            let pair: ZMQCurveKeyPair
            do {
                pair = try ZMQCurveKeyPair.generate()
            } catch {
                throw .io("cannot generate a key: \(error)")
            }
            try write(pair.secretKey + "\n", to: path(directory, identity, "key"), mode: 0o600)
            try write(pair.publicKey + "\n", to: path(directory, identity, "pub"), mode: 0o644)
            created.append(identity)
        }
        return created
    }

    /// Writes what `identity` may read (`<identity>.read`, one ZeroMQ prefix per line; docs/protocol.md,
    /// "Who may read what"), replacing what it had. The suite's own identities read what the code says
    /// they consume, whatever their file says; no one else may be granted pushes meant for people.
    public static func grant(directory: String, identity: String, read prefixes: [String]) throws(KeyringError) {
        try checkGrant(identity: identity, read: prefixes)
        let file = path(directory, identity, "read")
        try? FileManager.default.removeItem(atPath: file)
        try write(prefixes.map { $0 + "\n" }.joined(), to: file, mode: 0o644)
    }

    /// Why `identity` may not be granted `prefixes`, if it may not.
    public static func checkGrant(identity: String, read prefixes: [String]) throws(KeyringError) {
        try check(identity)
        if EventReaders.suite[identity] != nil { throw .badGrant("\(identity) is the suite's own: it reads what it consumes") }
        for prefix in prefixes {
            guard !prefix.isEmpty, Topic.isValid(prefix) else { throw .badGrant("'\(prefix)' is not a topic prefix") }
            guard !EventReaders.takesInPushes(prefix.utf8) else {
                throw .badGrant("'\(prefix)' takes in pushes meant for people, which only the gateway and cli read")
            }
        }
    }

    /// What the operator granted `identity` to read (its `<identity>.read`); nothing without one.
    public static func granted(directory: String, identity: String) -> [String] {
        guard isIdentity(identity), let data = FileManager.default.contents(atPath: path(directory, identity, "read")) else { return [] }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && Topic.isValid($0) }
    }

    /// An identity is 1…40 lower-case letters and digits. No `-`: it separates an identity from the
    /// rest of the instance names it owns (`messaging-2` is `messaging`'s; docs/protocol.md, "Who may say what").
    public static func isIdentity(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 40
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    static func check(_ identity: String) throws(KeyringError) {
        guard isIdentity(identity) else { throw .badIdentity(identity) }
    }

    static func path(_ directory: String, _ identity: String, _ ext: String) -> String {
        (directory as NSString).appendingPathComponent("\(identity).\(ext)")
    }

    static func read(_ path: String) throws(KeyringError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func write(_ text: String, to path: String, mode: Int) throws(KeyringError) {
        // Created with its mode, never readable by others in between.
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw .io("cannot write \(path)")
        }
    }
}
