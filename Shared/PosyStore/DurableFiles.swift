import Foundation

/// Files that must survive a power loss once written: the media store's blobs, backups, restored
/// data directories.
public enum DurableFiles {
    /// fsyncs a directory, so that a file created or renamed in it stays there after a power loss.
    public static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
