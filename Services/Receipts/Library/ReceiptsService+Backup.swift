import Foundation
import PosyCore
import PosySchema
import PosyStore

extension ReceiptsService {
    /// A backup of `receipts.db` takes with it every blob its snapshot's live media rows name, as
    /// `media/blobs/<ab>/<sha256>` (docs/operations.md, "Backup and restore"); until the backup
    /// ends, retention leaves the blobs it purges where they are.
    public func joinBackups(_ agent: BackupAgent) {
        backup.withLock { $0 = agent }
        let media = self.media
        agent.addFiles { snapshot in
            let shas = try snapshot.read { db in
                try db.query("SELECT DISTINCT sha256 FROM media WHERE purged_at IS NULL ORDER BY sha256").compactMap { $0.string(0) }
            }
            // A row's blob missing from disk is listed with size -1: the backup says so rather than
            // passing over it.
            return shas.filter { $0.utf8.count == 64 && Hex.decode($0) != nil }.map { sha in
                let path = media.blobPath(sha)
                var st = stat()
                let size = stat(path, &st) == 0 ? Int64(st.st_size) : -1
                return (BackupRPC.File(name: "media/blobs/\(sha.prefix(2))/\(sha)", size: size), path)
            }
        }
    }
}
