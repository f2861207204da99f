/// RPC method names every service answers (docs/protocol.md, "RPC"). Services add their own.
public enum RPCMethod {
    /// → ``HealthReport``
    public static let health = RPC<EmptyBody, HealthReport>(RPCInstance.any, "health", grant: .everyone)
    /// → ``StatsReport``
    public static let stats = RPC<EmptyBody, StatsReport>(RPCInstance.any, "stats", grant: .everyone)
    /// ``ReplayRequest`` → ``ReplayBatch``: events of one topic after a seq, from the outbox.
    public static let eventsReplay = RPC<ReplayRequest, ReplayBatch>(RPCInstance.any, "events.replay", grant: .everyone)
    /// ``EventsSinceRequest`` → ``ReplayBatch``: a store's events of every topic after a log position.
    public static let eventsSince = RPC<EventsSinceRequest, ReplayBatch>(RPCInstance.any, "events.since", grant: .everyone)
    /// ``ClockAdvance`` → ``ClockAdvance/Reply``: moves a service started on a test clock forward (tests only).
    /// → ``BusProxyReport`` (the bus only).
    public static let busProxy = RPC<EmptyBody, BusProxyReport>(ServiceName.bus, "bus.proxy", grant: .everyone)
    public static let clockAdvance = RPC<ClockAdvance, ClockAdvance.Reply>(RPCInstance.any, "clock.advance", grant: .everyone)
}

/// The status frame of an RPC reply.
public enum RPCStatus {
    public static let ok = "ok"
    public static let error = "error"
}
