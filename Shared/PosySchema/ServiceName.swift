/// The services' names: each one's `service` in heartbeats and its instance name (messaging's
/// instances are `messaging-<shard>`), the `service` of the `caller` a service calls as, and
/// the `src` of what it publishes (docs/architecture.md, "Processes"). A service's name is also the
/// identity its CURVE key proves (docs/protocol.md, "Security").
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

extension ServiceName {
    /// The identity a source or caller name belongs to: the name up to its first `-` (`messaging-2` →
    /// `messaging`, `gateway-link` → `gateway`, `cli-py-1f` → `cli`). An identity may publish and call
    /// under its own name and any `<identity>-…`, and under no other (docs/protocol.md, "Who may say what").
    public static func identity(of name: String) -> Substring {
        name.prefix { $0 != "-" }
    }

    /// Whether a process proven to be `peer` may use `name` as its source or caller name.
    public static func owns(_ peer: String, _ name: String) -> Bool {
        !peer.isEmpty && identity(of: name) == peer
    }
}
