import Foundation
import PosyStore

/// Where a restore lays out a data directory (docs/operations.md, "Backup and restore"): missing or
/// empty, and filled beside it, then renamed into place, so that a refused or failed restore leaves
/// it as it was.
struct RestoreTarget {
    let path: String

    /// Refuses a target that is a file or holds anything.
    func checkEmpty() throws(BackupError) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw BackupError(.targetNotEmpty, "\(path) is a file") }
        let inside = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        guard inside.isEmpty else {
            throw BackupError(
                .targetNotEmpty,
                "\(path) is not empty (\(inside.sorted().prefix(3).joined(separator: ", "))…): restore into a new directory")
        }
    }

    /// Runs `fill` on a private directory beside the target, then renames it into place; on any
    /// error the staging directory is removed and the target untouched.
    func fill<T>(_ fill: (String) throws -> T) throws(BackupError) -> T {
        let fm = FileManager.default
        let standard = (path as NSString).standardizingPath as NSString
        let parent = standard.deletingLastPathComponent.isEmpty ? "." : standard.deletingLastPathComponent
        let staging = (parent as NSString).appendingPathComponent(".restore-\(BackupTaker.newId())")
        do {
            try BackupTaker.makePrivateDirectory(staging)
            let value = try fill(staging)
            if fm.fileExists(atPath: path) { rmdir(path) }
            guard rename(staging, path) == 0 else { throw BackupError(.io, "cannot rename \(staging) to \(path): \(BackupTaker.errno())") }
            DurableFiles.syncDirectory(parent)
            return value
        } catch let e as BackupError {
            try? fm.removeItem(atPath: staging)
            throw e
        } catch {
            try? fm.removeItem(atPath: staging)
            throw BackupError(.io, "\(error)")
        }
    }
}
