/// The methods every process with a store answers for `posy backup` (docs/operations.md, "Backup
/// and restore"), open to the operator's tool alone, as itself: a store's bytes are everyone's data.
///
/// A backup is one id through five calls on every store: `backup.hold` (a snapshot, writes held),
/// `backup.release` once every store is held — so no snapshot holds an event its producer's
/// snapshot lacks —, `backup.prepare` (the snapshot written aside, with the files that go with it),
/// `backup.read` of each file, `backup.end`.
public enum BackupRPC {
    public static let grant = RPCGrant(services: [ServiceName.cli])
    /// ``HoldRequest`` → ``HoldReply``
    public static let hold = RPC<HoldRequest, HoldReply>(RPCInstance.any, "backup.hold", grant: grant)
    /// ``BackupRef`` → ``ReleaseReply``
    public static let release = RPC<BackupRef, ReleaseReply>(RPCInstance.any, "backup.release", grant: grant)
    /// ``BackupRef`` → ``PrepareReply``
    public static let prepare = RPC<BackupRef, PrepareReply>(RPCInstance.any, "backup.prepare", grant: grant)
    /// ``ReadRequest`` → the file's bytes from `offset`, at most `length` (and 4 MiB); empty at its end.
    public static let read = RPC<ReadRequest, RawBytes>(RPCInstance.any, "backup.read", grant: grant)
    /// ``EndRequest`` → `{}`
    public static let end = RPC<EndRequest, EmptyBody>(RPCInstance.any, "backup.end", grant: grant)

    /// Most bytes one `backup.read` returns.
    public static let maxRead = 4 << 20
    /// Longest a store holds its writes for one backup.
    public static let maxHoldSeconds = 10.0

    public struct BackupRef: Codable, Sendable, Equatable {
        public var v: Int = 1
        public var id: String
        public init(id: String) { self.id = id }
    }

    public struct HoldRequest: Codable, Sendable, Equatable {
        public var v: Int = 1
        /// The backup's id: 1–64 letters, digits and `-`.
        public var id: String
        /// How long writes may wait for `backup.release` (at most ``maxHoldSeconds``).
        public var holdSeconds: Double
        public init(id: String, holdSeconds: Double) {
            self.id = id
            self.holdSeconds = holdSeconds
        }
    }

    public struct HoldReply: Codable, Sendable, Equatable {
        public var v: Int = 1
        public var instance: String
        public var service: String
        /// The store's file name in a data directory (`orders.db`).
        public var storeFile: String
        public var epoch: String
        public init(instance: String, service: String, storeFile: String, epoch: String) {
            self.instance = instance
            self.service = service
            self.storeFile = storeFile
            self.epoch = epoch
        }
    }

    public struct ReleaseReply: Codable, Sendable, Equatable {
        public var v: Int = 1
        /// False when the hold ran out before the release: the snapshots are not of one instant.
        public var heldThroughout: Bool
        public init(heldThroughout: Bool) { self.heldThroughout = heldThroughout }
    }

    /// A file of a backup, by its path relative to a data directory.
    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int64
        public init(name: String, size: Int64) {
            self.name = name
            self.size = size
        }
    }

    public struct PrepareReply: Codable, Sendable, Equatable {
        public var v: Int = 1
        /// The store's snapshot first, then what goes with it (posy-receipts: the media its rows name).
        public var files: [File]
        public init(files: [File]) { self.files = files }
    }

    public struct ReadRequest: Codable, Sendable, Equatable {
        public var v: Int = 1
        public var id: String
        public var name: String
        public var offset: Int64
        public var length: Int
        public init(id: String, name: String, offset: Int64, length: Int = BackupRPC.maxRead) {
            self.id = id
            self.name = name
            self.offset = offset
            self.length = length
        }
    }

    public struct EndRequest: Codable, Sendable, Equatable {
        public var v: Int = 1
        public var id: String
        /// The backup was written whole: the store remembers when (`posy status`, `backup_age_seconds`).
        public var completed: Bool
        /// The schedule it was taken on (`posy up --backup-every`), in seconds; nil for one by hand.
        public var everySeconds: Double?
        public init(id: String, completed: Bool, everySeconds: Double? = nil) {
            self.id = id
            self.completed = completed
            self.everySeconds = everySeconds
        }
    }

    /// Whether `id` is a usable backup id (it names a directory).
    public static func isValidId(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x2D }
    }
}
