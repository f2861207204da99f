/// RPC method names every service answers (docs/protocol.md, "RPC"). Services add their own.
public enum RPCMethod {
    /// → ``HealthReport``
    public static let health = "health"
    /// → ``StatsReport``
    public static let stats = "stats"
    /// ``ReplayRequest`` → ``ReplayBatch``: events of one topic after a seq, from the outbox.
    public static let eventsReplay = "events.replay"
    /// ``EventsSinceRequest`` → ``ReplayBatch``: a store's events of every topic after a log position.
    public static let eventsSince = "events.since"
    /// ``ClockAdvance`` → ``ClockAdvance/Reply``: moves a service started on a test clock forward (tests only).
    public static let clockAdvance = "clock.advance"
}

/// The status frame of an RPC reply.
public enum RPCStatus {
    public static let ok = "ok"
    public static let error = "error"
}
