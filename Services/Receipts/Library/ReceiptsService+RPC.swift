import Foundation
import PosyCore
import PosySchema

extension ReceiptsService {
    /// Serves the receipts domain on the host's RPC socket (see ``ReceiptsRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(ReceiptsRPC.mediaBegin) { r, viewer in try await self.beginUpload(r, for: viewer) }
        rpc.register(ReceiptsRPC.mediaChunk, raw: { request in try JSON.encode(try await self.appendChunk(request.body)) })
        rpc.register(ReceiptsRPC.mediaCommit) { r, viewer in try await self.commitUpload(r, for: viewer) }
        rpc.register(ReceiptsRPC.mediaAbort) { r, viewer in
            try await self.abortUpload(r, for: viewer)
            return EmptyBody()
        }
        rpc.register(ReceiptsRPC.mediaInfo) { r, viewer in try await self.mediaInfo(r.id, for: viewer) }
        rpc.register(ReceiptsRPC.mediaRead, encoded: { r, viewer in try await self.readMedia(r, for: viewer) })
        rpc.register(ReceiptsRPC.proofSubmit) { r, viewer in try await self.submitProof(r, for: viewer) }
        rpc.register(ReceiptsRPC.confirm) { r, viewer in try await self.confirm(r, for: viewer) }
        rpc.register(ReceiptsRPC.look) { r, viewer in try await self.look(r, for: viewer) }
        rpc.register(ReceiptsRPC.evidenceBundle) { r, viewer in try await self.evidence(r, for: viewer) }
        rpc.register(ReceiptsRPC.evidenceHTML, encoded: { r, viewer in try await self.evidencePage(r, for: viewer) })
        rpc.register(ReceiptsRPC.evidenceVerify) { r, viewer in try await self.verify(r, for: viewer) }
    }
}
