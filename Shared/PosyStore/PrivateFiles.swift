import Foundation

/// Stores, media and secrets are this account's alone (docs/operations.md, "Stores"): card
/// messages, addresses and phones are in them, and any other local account could read a file left
/// at the usual 0644. Every process restricts its umask at start, so what it creates is 0600 (0700
/// for directories); what an older version or another tool left looser is tightened when a process
/// opens it, and said in the log.
public enum PrivateFiles {
    /// Sets the process's umask to 077. Call first thing in `main`: files and directories made from
    /// then on — SQLite's database, WAL and shared-memory files included — are the account's alone.
    public static func restrictUmask() {
        umask(0o077)
    }

    /// Makes `directory` (created when missing) and each of `files` in it that exists readable by
    /// their owner only. Returns the paths whose mode was looser and is not any more.
    @discardableResult
    public static func secure(directory: String, files: [String] = []) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var tightened: [String] = []
        // A shared directory (sticky, like /tmp) is not the suite's to close.
        var st = stat()
        if lstat(directory, &st) == 0, st.st_mode & S_ISVTX == 0, tighten(directory) { tightened.append(directory) }
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            if tighten(path) { tightened.append(path) }
        }
        return tightened
    }

    /// `directory` and everything under it, readable by their owner only (the media store's tree).
    /// Returns the paths it tightened.
    @discardableResult
    public static func secureTree(_ directory: String) -> [String] {
        var tightened: [String] = []
        if tighten(directory) { tightened.append(directory) }
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return tightened }
        while let relative = walker.nextObject() as? String {
            let path = (directory as NSString).appendingPathComponent(relative)
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR, tighten(path) { tightened.append(path) }
            if kind == S_IFREG, tighten(path) { tightened.append(path) }
        }
        return tightened
    }

    /// Clears the group and other bits of `path` (a file or directory that exists and is not a
    /// symbolic link); the owner's stay as they are. Whether it changed anything.
    static func tighten(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT != S_IFLNK, st.st_mode & 0o077 != 0 else { return false }
        return chmod(path, st.st_mode & 0o700) == 0
    }
}
