import Foundation
import PosyCore
import PosySchema

extension ReceiptsService {
    /// Serves the receipts domain on the host's RPC socket (see ``ReceiptsRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(ReceiptsRPC.mediaBegin, ReceiptsRPC.BeginRequest.self) { r in try await self.beginUpload(r) }
        rpc.register(ReceiptsRPC.mediaChunk) { request in try JSON.encode(try await self.appendChunk(request.body)) }
        rpc.register(ReceiptsRPC.mediaCommit, ReceiptsRPC.UploadRef.self) { r in try await self.commitUpload(r) }
        rpc.register(ReceiptsRPC.mediaAbort) { request in
            try await self.abortUpload(try request.decode(ReceiptsRPC.UploadRef.self))
            return Data("{}".utf8)
        }
        rpc.register(ReceiptsRPC.mediaInfo, ReceiptsRPC.MediaQuery.self) { r in try await self.mediaInfo(r.id, for: r.caller) }
        rpc.register(ReceiptsRPC.mediaRead) { request in try await self.readMedia(try request.decode(ReceiptsRPC.ReadRequest.self)) }
        rpc.register(ReceiptsRPC.proofSubmit, ReceiptsRPC.ProofRequest.self) { r in try await self.submitProof(r) }
        rpc.register(ReceiptsRPC.confirm, ReceiptsRPC.ConfirmRequest.self) { r in try await self.confirm(r) }
        rpc.register(ReceiptsRPC.evidenceBundle, ReceiptsRPC.OrderRef.self) { r in try await self.evidence(r) }
        rpc.register(ReceiptsRPC.evidenceHTML) { request in try await self.evidencePage(try request.decode(ReceiptsRPC.OrderRef.self)) }
        rpc.register(ReceiptsRPC.evidenceVerify, ReceiptsRPC.OrderRef.self) { r in try await self.verify(r) }
    }
}
