import CMalloc
import Foundation

/// Lets go of this process's own executable once its start is over (docs/performance.md, "The
/// runtime inside, and the start let go"). A service runs most of the code it maps only to start — settings,
/// stores, the Swift runtime's and Foundation's set-up, linked into the release executables — and the
/// kernel keeps each page it ran mapped, and 64 KiB around each one. Asking the kernel to reclaim the
/// executable's pages returns those that only this process maps to the system; what it runs at rest
/// comes back, from `.text.posy_rest` where the startup layout gathered it (docs/architecture.md,
/// "Linking"), and the read-only data it reads, marked for random access first, a page at a time.
/// Pages other processes map (another gateway on the same file) stay, and so do pages it wrote,
/// unless the host has swap.
public enum StartPages {
    /// Why nothing was released: the stable code `start_pages_unavailable`, with the errno of the read
    /// or of `madvise` (EINVAL before Linux 5.4, which has no MADV_PAGEOUT).
    public struct Unavailable: Error, CustomStringConvertible, Equatable {
        public static let code = "start_pages_unavailable"
        public let errno: Int32
        public var description: String { "\(Self.code): \(String(cString: strerror(errno)))" }
    }

    /// One mapping of the executable: its addresses, and whether it is code (executable) or data.
    public struct Mapping: Sendable, Equatable {
        public let range: Range<UInt>
        public let isCode: Bool

        public init(_ range: Range<UInt>, isCode: Bool) {
            self.range = range
            self.isCode = isCode
        }
    }

    /// Asks the kernel to reclaim every page of `mappings` (``executableMappings()``) now; the data
    /// marked for random access first. Code is not: a page of code read again then comes in a large
    /// folio, as at start, where page by page it made the bus's hot path slower for good
    /// (docs/performance.md, "The runtime inside, and the start let go").
    public static func release(_ mappings: [Mapping]) throws(Unavailable) {
        for mapping in mappings {
            let result = posy_page_out(
                UnsafeMutableRawPointer(bitPattern: mapping.range.lowerBound), mapping.range.count, mapping.isCode ? 0 : 1)
            guard result == 0 else { throw Unavailable(errno: result) }
        }
    }

    /// The mappings `/proc/self/maps` shows of this process's executable file.
    public static func executableMappings() throws(Unavailable) -> [Mapping] {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        else { throw Unavailable(errno: ENOENT) }
        return mappings(of: exe, in: maps)
    }

    /// The mappings of `path` in the text of a `/proc/<pid>/maps`.
    public static func mappings(of path: String, in maps: String) -> [Mapping] {
        var found: [Mapping] = []
        for line in maps.split(separator: "\n") {
            // address perms offset device inode path; the path is padded with spaces and may hold some.
            let fields = line.split(separator: " ", maxSplits: 5)
            guard fields.count == 6, fields[5].drop(while: { $0 == " " }) == path else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let low = UInt(bounds[0], radix: 16), let high = UInt(bounds[1], radix: 16), low < high
            else { continue }
            found.append(Mapping(low..<high, isCode: fields[1].contains("x")))
        }
        return found
    }
}
