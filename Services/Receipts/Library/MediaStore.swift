import Crypto
import Foundation
import Logging
import PosySchema
import PosyStore

/// The bytes of media on disk, content-addressed: `media/blobs/ab/abcd…` named by SHA-256, so the
/// same bytes uploaded twice are stored once. An upload is written to `media/tmp/`, fsynced and
/// renamed into place only when complete: a half-written upload is never visible, and a crash
/// leaves at most a temporary file, removed at the next start.
///
/// In-progress uploads live in this actor (they do not survive a restart; the client retries).
public actor MediaStore {
    public let root: String
    let logger: Logger
    private var uploads: [String: Upload] = [:]
    /// An upload nobody wrote to for this long is dropped.
    let idleTimeout: TimeInterval

    final class Upload {
        let id: String
        let orderId: String
        let uploader: String
        let accepted: Set<MediaFormat>
        let limit: Int64
        let tmpPath: String
        let fd: Int32
        var hasher = SHA256()
        var received: Int64 = 0
        var head: [UInt8] = []
        var format: MediaFormat?
        var lastActivity = Date()

        init(id: String, orderId: String, uploader: String, accepted: Set<MediaFormat>, limit: Int64, tmpPath: String, fd: Int32) {
            self.id = id
            self.orderId = orderId
            self.uploader = uploader
            self.accepted = accepted
            self.limit = limit
            self.tmpPath = tmpPath
            self.fd = fd
        }
    }

    /// A finished upload, renamed into the store.
    public struct Stored: Sendable {
        public var sha256: String
        public var size: Int64
        public var format: MediaFormat
        public var photo: PhotoMetadata?
        /// A voice note's or video's length as its container states it (``MediaDuration``).
        public var durationMs: Int?
        public var orderId: String
        public var uploader: String
    }

    public init(root: String, idleTimeout: TimeInterval = 120, logger: Logger) throws {
        self.root = root
        self.idleTimeout = idleTimeout
        self.logger = logger
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/blobs", withIntermediateDirectories: true)
        // Photos of doors and recipients: the account's alone, whoever made them looser (docs/operations.md, "Stores").
        let tightened = PrivateFiles.secureTree(root)
        if !tightened.isEmpty {
            logger.warning(
                "tightened file modes: media readable by other local accounts before",
                metadata: ["root": "\(root)", "paths": "\(tightened.count)"])
        }
        // Uploads cut short by a crash: never visible, now gone.
        if fm.fileExists(atPath: root + "/tmp") {
            let left = (try? fm.contentsOfDirectory(atPath: root + "/tmp")) ?? []
            for f in left { try? fm.removeItem(atPath: root + "/tmp/" + f) }
            if !left.isEmpty { logger.info("removed unfinished uploads", metadata: ["files": "\(left.count)"]) }
        }
        try fm.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
    }

    public nonisolated func blobPath(_ sha256: String) -> String {
        "\(root)/blobs/\(sha256.prefix(2))/\(sha256)"
    }

    public var activeUploads: Int { uploads.count }

    /// Starts an upload of one of `accepted` formats, at most `limit` bytes.
    public func begin(orderId: String, uploader: String, accepted: Set<MediaFormat>, limit: Int64) throws -> String {
        let id = RecordID.make("up", length: 32)
        let path = "\(root)/tmp/\(id)"
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.ioError("cannot create a temporary file", errno) }
        uploads[id] = Upload(id: id, orderId: orderId, uploader: uploader, accepted: accepted, limit: limit, tmpPath: path, fd: fd)
        return id
    }

    /// Appends the chunk starting at `offset`. Sniffs as soon as enough bytes are in; fails the
    /// upload (and forgets it) when the bytes are not what was declared or cross the limit.
    public func append(_ uploadId: String, offset: Int64, bytes: Data) throws -> Int64 {
        guard let u = uploads[uploadId] else {
            throw PosyError(.notFound, "no upload \(uploadId) (it may have timed out or the service restarted)")
        }
        guard offset == u.received else {
            throw PosyError(.conflict, "chunk at \(offset) but \(u.received) bytes are in")
        }
        guard u.received + Int64(bytes.count) <= u.limit else {
            drop(u)
            throw PosyError(.tooLarge, "over the \(u.limit)-byte limit for this kind of media")
        }
        if u.format == nil, u.head.count < MediaSniffer.prefixLength {
            u.head += bytes.prefix(MediaSniffer.prefixLength - u.head.count)
            if !MediaSniffer.needsMore(u.head) { try sniff(u) }
        }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(u.fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    let e = errno
                    drop(u)
                    throw Self.ioError("write failed", e)
                }
                done += n
            }
        }
        u.hasher.update(data: bytes)
        u.received += Int64(bytes.count)
        u.lastActivity = Date()
        return u.received
    }

    /// A failed file operation: a full disk (or quota) is `insufficient_storage` (507, retry once
    /// space is freed), anything else `internal`.
    static func ioError(_ what: String, _ e: Int32) -> PosyError {
        if e == ENOSPC || e == EDQUOT { return PosyError(.insufficientStorage, "the media disk is full (\(what)); nothing was kept") }
        return PosyError(.internal, "\(what): errno \(e)")
    }

    func sniff(_ u: Upload) throws {
        guard u.format == nil else { return }
        guard let format = MediaSniffer.sniff(u.head) else {
            drop(u)
            throw PosyError(.unsupportedMediaType, "the bytes are not any image, voice or video format Posy takes")
        }
        guard u.accepted.contains(format) else {
            drop(u)
            let declared = u.accepted.map(\.rawValue).sorted().joined(separator: "/")
            throw PosyError(.unsupportedMediaType, "declared \(declared) but the bytes are \(format.rawValue)")
        }
        u.format = format
    }

    /// Finishes an upload: fsync, rename into the content-addressed store (or drop the copy when
    /// the bytes are there already), fsync the directory.
    public func commit(_ uploadId: String, uploader: String) throws -> Stored {
        guard let u = uploads[uploadId], u.uploader == uploader else {
            throw PosyError(.notFound, "no upload \(uploadId) (it may have timed out or the service restarted)")
        }
        guard u.received > 0 else {
            drop(u)
            throw PosyError(.badRequest, "the upload is empty")
        }
        try sniff(u)
        var size = u.received
        var digest: String?
        if u.format!.kind == .image {
            // An image and nothing else (ImageCheck): bytes after its end are cut off, markup in
            // its metadata refuses it. Images are small (their limit), so the whole file is read.
            guard let bytes = FileManager.default.contents(atPath: u.tmpPath) else {
                drop(u)
                throw Self.ioError("cannot read the upload back", errno)
            }
            switch ImageCheck.judge([UInt8](bytes), format: u.format!) {
            case .ok:
                break
            case .refuse(let why):
                drop(u)
                throw PosyError(.unsupportedMediaType, "not only an image: \(why)")
            case .cut(let end):
                guard ftruncate(u.fd, off_t(end)) == 0 else {
                    let e = errno
                    drop(u)
                    throw Self.ioError("truncate failed", e)
                }
                logger.notice("cut what followed an image's end", metadata: ["bytes": "\(size - end)", "format": "\(u.format!.rawValue)"])
                size = end
                digest = Hex.encode(SHA256.hash(data: bytes.prefix(Int(end))))
            }
        }
        guard fsync(u.fd) == 0 else {
            let e = errno
            drop(u)
            throw Self.ioError("fsync failed", e)
        }
        close(u.fd)
        uploads[uploadId] = nil
        let sha = digest ?? Hex.encode(u.hasher.finalize())
        let path = blobPath(sha)
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: path) {
            unlink(u.tmpPath)
        } else {
            guard rename(u.tmpPath, path) == 0 else {
                let e = errno
                unlink(u.tmpPath)
                throw Self.ioError("rename failed", e)
            }
            DurableFiles.syncDirectory(dir)
        }
        var photo: PhotoMetadata?
        if u.format == .jpeg, let head = FileHandle(forReadingAtPath: path) {
            photo = ExifReader.read(jpeg: [UInt8](head.readData(ofLength: ExifReader.maxScan)))
            try? head.close()
        }
        let durationMs = u.format!.kind == .image ? nil : MediaDuration.read(path: path, format: u.format!)
        return Stored(
            sha256: sha, size: size, format: u.format!, photo: photo, durationMs: durationMs, orderId: u.orderId,
            uploader: u.uploader)
    }

    public func abort(_ uploadId: String, uploader: String) {
        if let u = uploads[uploadId], u.uploader == uploader { drop(u) }
    }

    func drop(_ u: Upload) {
        close(u.fd)
        unlink(u.tmpPath)
        uploads[u.id] = nil
    }

    /// Drops uploads idle for longer than ``idleTimeout`` (a gateway that went away mid-upload).
    public func sweepIdle(now: Date = Date()) -> Int {
        let idle = uploads.values.filter { now.timeIntervalSince($0.lastActivity) > idleTimeout }
        for u in idle { drop(u) }
        return idle.count
    }

    /// Up to `length` bytes of the blob from `offset`.
    public func read(_ sha256: String, offset: Int64, length: Int) throws -> Data {
        let fd = open(blobPath(sha256), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PosyError(.gone, "the media's bytes are gone") }
        defer { close(fd) }
        var out = Data(count: length)
        let n = out.withUnsafeMutableBytes { raw -> Int in
            var done = 0
            while done < length {
                let r = pread(fd, raw.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                if r < 0 && errno == EINTR { continue }
                if r <= 0 { break }
                done += r
            }
            return done
        }
        out.count = n
        return out
    }

    /// Removes a blob (retention); true when it was there.
    @discardableResult
    public nonisolated func remove(_ sha256: String) -> Bool {
        unlink(blobPath(sha256)) == 0
    }
}
