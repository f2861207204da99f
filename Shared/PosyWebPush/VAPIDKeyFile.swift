import Crypto
import Foundation
import PosySchema

/// The suite's VAPID key (docs/operations.md, "Web Push"): `<keys-dir>/vapid.p256`, the P-256
/// private key's 32 bytes in base64url, mode 0600. Made once; subscriptions are bound to its public
/// half, so it is never replaced (a new key would orphan every browser's subscription).
public enum VAPIDKeyFile {
    public static let name = "vapid.p256"

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String)
        case exposed(path: String)
        case invalid(path: String)
        case unwritable(path: String)

        public var description: String {
            switch self {
            case .unreadable(let p): "cannot read the VAPID key \(p)"
            case .exposed(let p): "the VAPID key \(p) is readable by others: chmod 600 it"
            case .invalid(let p): "\(p) is not a VAPID key (32 bytes of a P-256 private key, base64url)"
            case .unwritable(let p): "cannot write the VAPID key \(p)"
            }
        }
    }

    public static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The key in `directory`, made (0600) when there is none.
    public static func loadOrCreate(in directory: String) throws(Failure) -> P256.Signing.PrivateKey {
        let file = path(in: directory)
        if FileManager.default.fileExists(atPath: file) { return try load(file) }
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = P256.Signing.PrivateKey()
        // Created with its mode, never readable by others in between; a racing creator's file wins.
        guard
            FileManager.default.createFile(
                atPath: file, contents: Data((Base64URL.encode(key.rawRepresentation) + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw .unwritable(path: file) }
        return try load(file)
    }

    static func load(_ file: String) throws(Failure) -> P256.Signing.PrivateKey {
        if let mode = (try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw .exposed(path: file)
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw .unreadable(path: file) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Base64URL.decode(text), raw.count == 32, let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) else {
            throw .invalid(path: file)
        }
        return key
    }
}
