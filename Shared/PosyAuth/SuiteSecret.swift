import Foundation
import PosySchema
import PosySettings

/// The suite's signing secret: `POSY_SECRET`, else `<data-dir>/secret`, generated (32 random bytes,
/// hex, mode 0600) on first use.
public enum SuiteSecret {
    public static func load(dataDir: String, create: Bool = true) throws -> String {
        if let s = try? Settings.process.optional(SuiteSettings().secret) { return s }
        let path = (dataDir as NSString).appendingPathComponent("secret")
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            let trimmed = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { return trimmed }
        }
        guard create else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let secret = Hex.encode(bytes)
        let tmp = path + ".tmp-\(getpid())"
        guard
            FileManager.default.createFile(
                atPath: tmp, contents: Data((secret + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: tmp]) }
        if rename(tmp, path) != 0 { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        return secret
    }
}
