import Foundation

/// RPC methods of `posy-receipts` and their requests. Replies are the JSON of the named
/// type unless marked raw.
public enum ReceiptsRPC {
    /// `{caller, orderId, contentType, size?}` → `UploadStarted`. Refuses an unknown type (415) or a
    /// declared size over the kind's limit (413) before any byte moves.
    public static let mediaBegin = RPC<BeginRequest, UploadStarted>(ServiceName.receipts, "media.begin", grant: .gateway)
    /// Raw body: ``ChunkHeader`` framed by ``frameChunk(_:bytes:)``, then the bytes → `{"received": n}`.
    /// The first chunk is sniffed; crossing the limit fails the upload (413).
    public static let mediaChunk = RPC<RawBytes, Received>(ServiceName.receipts, "media.chunk", grant: .gateway)
    /// `{caller, uploadId}` → `MediaInfo` (fsync, rename into the content-addressed store, row, chain record).
    public static let mediaCommit = RPC<UploadRef, MediaInfo>(ServiceName.receipts, "media.commit", grant: .gateway)
    /// `{caller, uploadId}` → `{}`: drops the upload and its temporary file.
    public static let mediaAbort = RPC<UploadRef, EmptyBody>(ServiceName.receipts, "media.abort", grant: .gateway)
    /// `{caller, id}` → `MediaInfo`, for a party of its order or its uploader (404 otherwise, 410 once purged).
    public static let mediaInfo = RPC<MediaQuery, MediaInfo>(
        ServiceName.receipts, "media.info",
        grant: RPCGrant(services: [ServiceName.messaging, ServiceName.gateway], people: [ServiceName.gateway]))
    /// `{caller, id, offset, length}` → raw bytes (at most ``maxReadLength``).
    public static let mediaRead = RPC<ReadRequest, RawBytes>(
        ServiceName.receipts, "media.read", grant: RPCGrant(services: [ServiceName.gateway], people: [ServiceName.gateway]))
    /// `{caller, orderId, proof: ProofInput}` → `Proof`
    public static let proofSubmit = RPC<ProofRequest, Proof>(ServiceName.receipts, "proof.submit", grant: .gateway)
    /// `{caller, orderId, confirmation: ConfirmationInput}` → `DeliveryConfirmation`
    public static let confirm = RPC<ConfirmRequest, DeliveryConfirmation>(ServiceName.receipts, "proof.confirm", grant: .gateway)
    /// `{caller, orderId, look}` → `LookVerdict`: the customer's word after a video call, into the evidence chain.
    public static let look = RPC<LookRequest, LookVerdict>(ServiceName.receipts, "proof.look", grant: .gateway)
    /// `{caller, orderId}` → `EvidenceBundle`
    public static let evidenceBundle = RPC<OrderRef, EvidenceBundle>(ServiceName.receipts, "evidence.bundle", grant: .gateway)
    /// `{caller, orderId}` → raw `text/html`: the bundle as one self-contained page.
    public static let evidenceHTML = RPC<OrderRef, RawBytes>(ServiceName.receipts, "evidence.html", grant: .gateway)
    /// `{caller, orderId}` → `ChainVerification` (admin, staff of the shop, or a service).
    public static let evidenceVerify = RPC<OrderRef, ChainVerification>(
        ServiceName.receipts, "evidence.verify", grant: RPCGrant(services: [ServiceName.cli], people: [ServiceName.gateway]))

    public static let maxReadLength = 4 << 20

    public struct BeginRequest: Codable, Sendable {
        public var orderId: String
        public var contentType: String
        public var size: Int64?
        public init(orderId: String, contentType: String, size: Int64?) {
            self.orderId = orderId
            self.contentType = contentType
            self.size = size
        }
    }

    public struct UploadStarted: Codable, Sendable {
        public var uploadId: String
        public var kind: MediaKind
        /// Bytes the upload may have.
        public var limit: Int64
        public init(uploadId: String, kind: MediaKind, limit: Int64) {
            self.uploadId = uploadId
            self.kind = kind
            self.limit = limit
        }
    }

    public struct ChunkHeader: Codable, Sendable {
        public var uploadId: String
        /// Where the chunk starts: chunks must come in order, each exactly once.
        public var offset: Int64
        public init(uploadId: String, offset: Int64) {
            self.uploadId = uploadId
            self.offset = offset
        }
    }

    public struct Received: Codable, Sendable {
        public var received: Int64
        public init(received: Int64) { self.received = received }
    }

    public struct UploadRef: Codable, Sendable {
        public var uploadId: String
        public init(uploadId: String) {
            self.uploadId = uploadId
        }
    }

    public struct MediaQuery: Codable, Sendable {
        public var id: String
        public init(id: String) {
            self.id = id
        }
    }

    public struct ReadRequest: Codable, Sendable {
        public var id: String
        public var offset: Int64
        public var length: Int
        public init(id: String, offset: Int64, length: Int) {
            self.id = id
            self.offset = offset
            self.length = length
        }
    }

    public struct ProofRequest: Codable, Sendable {
        public var orderId: String
        public var proof: ProofInput
        public init(orderId: String, proof: ProofInput) {
            self.orderId = orderId
            self.proof = proof
        }
    }

    public struct LookRequest: Codable, Sendable {
        public var orderId: String
        public var look: LookVerdict.Input
        public init(orderId: String, look: LookVerdict.Input) {
            self.orderId = orderId
            self.look = look
        }
    }

    public struct ConfirmRequest: Codable, Sendable {
        public var orderId: String
        public var confirmation: ConfirmationInput
        public init(orderId: String, confirmation: ConfirmationInput) {
            self.orderId = orderId
            self.confirmation = confirmation
        }
    }

    public typealias OrderRef = PosySchema.OrderRef

    /// A `media.chunk` body: 4 bytes big-endian header length, the header's JSON, the bytes.
    public static func frameChunk(_ header: ChunkHeader, bytes: Data) throws -> Data {
        let h = try JSON.encode(header)
        var out = Data(capacity: 4 + h.count + bytes.count)
        let n = UInt32(h.count)
        out.append(contentsOf: [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)])
        out.append(h)
        out.append(bytes)
        return out
    }

    /// Splits a `media.chunk` body into its header and bytes.
    public static func unframeChunk(_ body: Data) throws(SchemaError) -> (ChunkHeader, Data) {
        let b = body.startIndex
        guard body.count >= 4 else { throw SchemaError(.badRequest, "chunk shorter than its length prefix") }
        let n = Int(body[b]) << 24 | Int(body[b + 1]) << 16 | Int(body[b + 2]) << 8 | Int(body[b + 3])
        guard n > 0, n <= 1024, body.count >= 4 + n else { throw SchemaError(.badRequest, "chunk header length \(n) out of range") }
        guard let header = try? JSON.decode(ChunkHeader.self, from: body.subdata(in: (b + 4)..<(b + 4 + n))) else {
            throw SchemaError(.badRequest, "chunk header is not {uploadId, offset}")
        }
        return (header, body.subdata(in: (b + 4 + n)..<body.endIndex))
    }
}
