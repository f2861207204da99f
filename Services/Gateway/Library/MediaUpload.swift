import Foundation
import Hummingbird
import PosyAccess
import PosySchema

/// One `POST /v1/media` streamed through to posy-receipts: the body (raw, or the file part of a
/// `multipart/form-data` body) goes out in chunks of ``chunkSize`` as it arrives, each sent only
/// after the previous one was acknowledged — so the gateway holds at most about one chunk, whatever
/// the upload's size. Crossing the limit fails at once, without reading further.
struct MediaUpload {
    static let chunkSize = 1 << 20

    let api: APIContext
    let viewer: Viewer
    let orderId: String
    private var uploadId: String?
    private var limit: Int64 = 0
    private var sent: Int64 = 0
    private var pending = Data()

    init(api: APIContext, viewer: Viewer, orderId: String) {
        self.api = api
        self.viewer = viewer
        self.orderId = orderId
    }

    /// Streams `body` to receipts and commits it; on any failure the upload is aborted there.
    mutating func run(body: RequestBody, contentType: String, contentLength: Int64?) async throws -> Data {
        do {
            if let boundary = MultipartReader.boundary(of: contentType) {
                var reader = MultipartReader(boundary: boundary)
                for try await buffer in body {
                    let events: [MultipartReader.Event]
                    do {
                        events = try reader.feed(buffer.readableBytesView)
                    } catch {
                        throw PosyError(.badRequest, "multipart body: \(error)")
                    }
                    for event in events {
                        switch event {
                        case .part(let type): try await begin(type, size: nil)
                        case .bytes(let bytes): try await add(bytes)
                        case .end: break
                        }
                    }
                    if reader.isDone { break }
                }
                guard reader.isDone else { throw PosyError(.badRequest, "multipart body: no complete file part") }
            } else {
                if contentType.isEmpty {
                    throw PosyError(.unsupportedMediaType, "Content-Type: say what the bytes are, e.g. image/jpeg")
                }
                try await begin(contentType, size: contentLength)
                for try await buffer in body { try await add(buffer.readableBytesView) }
            }
            try await flush()
            guard let uploadId else { throw PosyError(.badRequest, "no file in the body") }
            return try await api.backend.callData(
                ReceiptsRPC.mediaCommit, ReceiptsRPC.UploadRef(uploadId: uploadId), as: viewer, timeout: .seconds(30))
        } catch {
            if let uploadId {
                _ = try? await api.backend.callData(
                    ReceiptsRPC.mediaAbort, ReceiptsRPC.UploadRef(uploadId: uploadId), as: viewer, timeout: .seconds(10))
            }
            throw error
        }
    }

    mutating func begin(_ contentType: String, size: Int64?) async throws {
        guard uploadId == nil else { return }
        let started = try await api.backend.call(
            ReceiptsRPC.mediaBegin, ReceiptsRPC.BeginRequest(orderId: orderId, contentType: contentType, size: size), as: viewer,
            timeout: .seconds(10))
        uploadId = started.uploadId
        limit = started.limit
        pending.reserveCapacity(Self.chunkSize + 64 << 10)
    }

    mutating func add(_ bytes: some Collection<UInt8>) async throws {
        guard uploadId != nil else { return }
        guard sent + Int64(pending.count) + Int64(bytes.count) <= limit else {
            throw PosyError(.tooLarge, "over the \(limit)-byte limit for this kind of media")
        }
        pending.append(contentsOf: bytes)
        if pending.count >= Self.chunkSize { try await flush() }
    }

    mutating func flush() async throws {
        guard let uploadId, !pending.isEmpty else { return }
        let frame = try ReceiptsRPC.frameChunk(.init(uploadId: uploadId, offset: sent), bytes: pending)
        _ = try await api.backend.callData(ReceiptsRPC.mediaChunk, body: frame, timeout: .seconds(10))
        sent += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }
}
