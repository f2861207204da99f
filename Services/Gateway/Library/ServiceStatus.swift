/// One row of `/healthz`.
public struct ServiceStatus: Codable, Sendable {
    public var instance: String
    public var service: String
    /// `ok`, `degraded` (answers but a check failed), `unreachable` (heartbeats but no `health` reply), `down` (no recent heartbeat).
    public var status: String
    public var version: String?
    public var rpc: String?
    public var pid: Int32?
    /// RFC 3339 time of the last heartbeat, and its age in seconds.
    public var lastHeartbeat: String?
    public var heartbeatAgeSeconds: Double?
    public var checks: [String: String]?
    public var error: String?
}

/// The body of `/healthz`.
public struct HealthSummary: Codable, Sendable {
    public var status: String
    public var version: String
    public var services: [ServiceStatus]

    package init(status: String, version: String, services: [ServiceStatus]) {
        self.status = status
        self.version = version
        self.services = services
    }
}
