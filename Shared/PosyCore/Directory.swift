import Foundation
import PosySchema
import Synchronization

/// What this process knows of the others, from their heartbeats (service discovery; docs/architecture.md, "Lossless events").
public final class Directory: Sendable {
    public struct Peer: Sendable {
        public let heartbeat: Heartbeat
        public let lastSeen: ContinuousClock.Instant
        public let lastSeenDate: Date

        /// Seconds since the last heartbeat.
        public var age: Double { (ContinuousClock.now - lastSeen).seconds }
    }

    private let peers = Mutex<[String: Peer]>([:])

    public init() {}

    public func update(_ heartbeat: Heartbeat) {
        peers.withLock {
            $0[heartbeat.instance] = Peer(heartbeat: heartbeat, lastSeen: .now, lastSeenDate: Date())
        }
    }

    public func peer(_ instance: String) -> Peer? { peers.withLock { $0[instance] } }

    /// Every instance seen, sorted by name.
    public var all: [Peer] { peers.withLock { Array($0.values) }.sorted { $0.heartbeat.instance < $1.heartbeat.instance } }

    /// Instances whose last heartbeat is at most `seconds` old.
    public func alive(within seconds: Double = 3) -> [Peer] { all.filter { $0.age <= seconds } }
}
