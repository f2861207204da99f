/// The services' names: each one's `service` in heartbeats and its instance name (messaging's
/// instances are `messaging-<shard>`), the `service` of an ``RPCCaller`` a service calls as, and
/// the `src` of what it publishes (docs/architecture.md, "Processes").
public enum ServiceName {
    public static let bus = "bus"
    public static let orders = "orders"
    public static let messaging = "messaging"
    public static let location = "location"
    public static let receipts = "receipts"
    public static let notify = "notify"
    public static let gateway = "gateway"
    /// The `posy` tool (probes, status).
    public static let cli = "cli"
    /// The caller the gateway reads media as for a signed link (no user behind it).
    public static let gatewayLink = "gateway-link"
}
