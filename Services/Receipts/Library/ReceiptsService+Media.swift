import Foundation
import PosyAccess
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore

extension ReceiptsService {
    /// `media.begin`: any party of the order may upload a type Posy takes, up to its kind's limit.
    public func beginUpload(_ r: ReceiptsRPC.BeginRequest, for viewer: Viewer) async throws -> ReceiptsRPC.UploadStarted {
        guard let accepted = MediaFormat.accepted(forDeclared: r.contentType) else {
            throw PosyError(
                .unsupportedMediaType,
                "Content-Type '\(r.contentType)' is not an image (JPEG, PNG, WebP, HEIC), voice (Ogg/Opus, AAC/M4A, AMR, MP3, WAV) or video (MP4/QuickTime, WebM) type"
            )
        }
        let kind = accepted.first!.kind
        let limit = config.limits.limit(for: kind)
        if let size = r.size, size > limit {
            throw PosyError(.tooLarge, "\(size) bytes is over the \(limit)-byte limit for \(kind.rawValue)")
        }
        _ = try await visibleOrder(r.orderId, for: viewer)
        let id = try await media.begin(orderId: r.orderId, uploader: viewer.actor, accepted: accepted, limit: limit)
        return .init(uploadId: id, kind: kind, limit: limit)
    }

    /// `media.chunk` carries no caller of its own: the upload id (random, 128 bits) is the capability,
    /// issued to the caller of `media.begin`; commit and abort check the caller again.
    public func appendChunk(_ body: Data) async throws -> ReceiptsRPC.Received {
        let (header, bytes) = try ReceiptsRPC.unframeChunk(body)
        return .init(received: try await media.append(header.uploadId, offset: header.offset, bytes: bytes))
    }

    /// `media.commit`: the bytes are in the store; the media row and its evidence record are written.
    public func commitUpload(_ r: ReceiptsRPC.UploadRef, for viewer: Viewer) async throws -> MediaInfo {
        let uploader = viewer.actor
        let stored = try await media.commit(r.uploadId, uploader: uploader)
        let info = MediaInfo(
            id: RecordID.make("md"), sha256: stored.sha256, size: stored.size, kind: stored.format.kind,
            contentType: stored.format.contentType, orderId: stored.orderId, createdAt: now, photo: stored.photo,
            durationMs: stored.durationMs)
        let photo = try stored.photo.map { String(decoding: try JSON.encode($0), as: UTF8.self) }
        let record = MediaRecord(media: info, uploadedBy: String(uploader.prefix { $0 != ":" }))
        try await store.write { db in
            try db.run(
                """
                INSERT INTO media(id, sha256, size, kind, content_type, order_id, uploader, photo, created_at, duration_ms)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                """, info.id, info.sha256, info.size, info.kind.rawValue, info.contentType, info.orderId, uploader, photo,
                info.createdAt, info.durationMs)
            try EvidenceChain.append(db, seal: self.seal, orderId: info.orderId, kind: "media", at: info.createdAt, record)
        }
        return info
    }

    /// What the chain records of an attachment: the media and who (by role) attached it.
    struct MediaRecord: Codable {
        var media: MediaInfo
        var uploadedBy: String
    }

    public func abortUpload(_ r: ReceiptsRPC.UploadRef, for viewer: Viewer) async throws {
        await media.abort(r.uploadId, uploader: viewer.actor)
    }

    static func loadMedia(_ db: SQLiteConnection, _ id: String) throws -> (MediaInfo, uploader: String)? {
        try db.queryOne(
            "SELECT id, sha256, size, kind, content_type, order_id, created_at, photo, purged_at, uploader, duration_ms FROM media WHERE id = ?",
            id
        ).map { row in
            (
                MediaInfo(
                    id: row.string(0)!, sha256: row.string(1)!, size: row.int(2)!, kind: MediaKind(rawValue: row.string(3)!) ?? .image,
                    contentType: row.string(4)!, orderId: row.string(5)!, createdAt: row.string(6)!,
                    photo: try row.string(7).map { try JSON.decode(PhotoMetadata.self, from: Data($0.utf8)) },
                    durationMs: row.int(10).map { Int($0) }, purgedAt: row.string(8)), row.string(9)!
            )
        }
    }

    static func mediaOf(_ db: SQLiteConnection, order: String) throws -> [MediaInfo] {
        try db.query("SELECT id FROM media WHERE order_id = ? ORDER BY created_at, id", order).compactMap {
            try loadMedia(db, $0.string(0)!)?.0
        }
    }

    /// `media.info`: the uploader, a party of the media's order, or a service; 404 for anyone else
    /// (existence is not revealed), 410 once retention purged the bytes.
    public func mediaInfo(_ id: String, for viewer: Viewer) async throws -> MediaInfo {
        guard let (info, uploader) = try await store.read({ db in try Self.loadMedia(db, id) }) else {
            throw PosyError(.notFound, "no media \(id)")
        }
        if !viewer.isService && viewer.actor != uploader {
            _ = try await visibleOrder(info.orderId, for: viewer)
        }
        if info.purgedAt != nil { throw PosyError(.gone, "media \(id) was purged on \(info.purgedAt!) (retention)") }
        return info
    }

    /// `media.read`: bytes of a media item the caller may read.
    public func readMedia(_ r: ReceiptsRPC.ReadRequest, for viewer: Viewer) async throws -> Data {
        guard r.offset >= 0, (1...ReceiptsRPC.maxReadLength).contains(r.length) else {
            throw PosyError(.invalidField, "offset ≥ 0 and length 1…\(ReceiptsRPC.maxReadLength)")
        }
        let info = try await mediaInfo(r.id, for: viewer)
        return try await media.read(info.sha256, offset: r.offset, length: r.length)
    }
}
