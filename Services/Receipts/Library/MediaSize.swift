import Foundation
import Synchronization

/// The bytes the media store holds on disk, for `stats` (`media_bytes`, docs/operations.md,
/// "Checking it"): counted by walking the blobs at most once a minute, when asked.
public final class MediaSize: Sendable {
    let root: String
    private let cached = Mutex<(bytes: Int64, at: ContinuousClock.Instant?)>((0, nil))
    static let maxAge = Duration.seconds(60)

    public init(root: String) { self.root = root }

    public func bytes() -> Int64 {
        if let (bytes, at) = cached.withLock({ c in c.at.map { (c.bytes, $0) } }), ContinuousClock.now - at < Self.maxAge {
            return bytes
        }
        var total: Int64 = 0
        let blobs = (root as NSString).appendingPathComponent("blobs")
        if let walker = FileManager.default.enumerator(atPath: blobs) {
            while let relative = walker.nextObject() as? String {
                var st = stat()
                if lstat((blobs as NSString).appendingPathComponent(relative), &st) == 0, st.st_mode & S_IFMT == S_IFREG {
                    total += Int64(st.st_size)
                }
            }
        }
        cached.withLock { $0 = (total, .now) }
        return total
    }
}
