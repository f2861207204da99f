/// Why a backup, its check or a restore did not happen, with a stable code (docs/operations.md,
/// "Backup and restore").
struct BackupError: Error, CustomStringConvertible {
    enum Code: String {
        /// A store did not answer, or its hold ran out before every store was held.
        case suiteNotReady = "backup_suite_not_ready"
        /// A file or the manifest is missing.
        case incomplete = "backup_incomplete"
        /// A file's bytes are not the ones the manifest names, or a store fails its checks.
        case damaged = "backup_damaged"
        /// Its parts, or the target's keys, are of another suite.
        case otherSuite = "backup_other_suite"
        /// The restore's target holds something already.
        case targetNotEmpty = "restore_target_not_empty"
        case io = "backup_io"
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { "\(code.rawValue): \(message)" }
}
