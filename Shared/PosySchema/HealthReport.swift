/// `health` reply.
public struct HealthReport: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var service: String
    public var instance: String
    public var version: String
    /// `ok` or `degraded`.
    public var status: String
    public var uptimeSeconds: Double
    public var epoch: String
    public var pid: Int32
    /// Named checks with `ok` or a reason (e.g. `store`: `ok`, `bus`: `no heartbeat seen for 5s`).
    public var checks: [String: String]

    public init(
        service: String, instance: String, version: String, status: String, uptimeSeconds: Double,
        epoch: String, pid: Int32, checks: [String: String]
    ) {
        self.service = service
        self.instance = instance
        self.version = version
        self.status = status
        self.uptimeSeconds = uptimeSeconds
        self.epoch = epoch
        self.pid = pid
        self.checks = checks
    }
}
