/// The names the suite's processes find each other by in the Kubernetes manifests
/// (compose/kubernetes/base): each pod's own DNS name under its headless Service. `MultiHostTests`
/// gives its network namespaces the same names through their hosts files, and
/// `KubernetesManifestTests` holds the manifests to them.
enum ClusterNames {
    static let bus = "bus-0.bus"
    static let orders = "orders-0.orders"
    static let location = "location-0.location"
    static let receipts = "receipts-0.receipts"
    static let notify = "notify-0.notify"
    /// Shard N runs in the pod of ordinal N − 1.
    static func messaging(shard: Int) -> String { "messaging-\(shard - 1).messaging" }

    /// Each store's service, its RPC port in the manifests, and the name its pod 0 has.
    static let stores: [(service: String, port: Int)] = [
        ("orders", 7110), ("messaging", 7120), ("location", 7130), ("receipts", 7140), ("notify", 7150),
    ]
}
