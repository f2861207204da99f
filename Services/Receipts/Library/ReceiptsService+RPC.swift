import Foundation
import PosyCore
import PosySchema

extension ReceiptsService {
    /// Serves the receipts domain on the host's RPC socket (see ``ReceiptsRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(ReceiptsRPC.mediaBegin) { r in try await self.beginUpload(r) }
        rpc.register(ReceiptsRPC.mediaChunk, raw: { request in try JSON.encode(try await self.appendChunk(request.body)) })
        rpc.register(ReceiptsRPC.mediaCommit) { r in try await self.commitUpload(r) }
        rpc.register(ReceiptsRPC.mediaAbort) { r in
            try await self.abortUpload(r)
            return EmptyBody()
        }
        rpc.register(ReceiptsRPC.mediaInfo) { r in try await self.mediaInfo(r.id, for: r.caller) }
        rpc.register(ReceiptsRPC.mediaRead, encoded: { r in try await self.readMedia(r) })
        rpc.register(ReceiptsRPC.proofSubmit) { r in try await self.submitProof(r) }
        rpc.register(ReceiptsRPC.confirm) { r in try await self.confirm(r) }
        rpc.register(ReceiptsRPC.look) { r in try await self.look(r) }
        rpc.register(ReceiptsRPC.evidenceBundle) { r in try await self.evidence(r) }
        rpc.register(ReceiptsRPC.evidenceHTML, encoded: { r in try await self.evidencePage(r) })
        rpc.register(ReceiptsRPC.evidenceVerify) { r in try await self.verify(r) }
    }
}
