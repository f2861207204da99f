/// The durable events of an erasure (docs/architecture.md, "Privacy"): posy-orders asks every store
/// to forget the personal data of some orders, and each store's process says when its bytes are gone.
public enum PrivacyEvents {
    /// posy-orders to every other store: ``ErasureWork``. It carries the strings to look for until
    /// the erasure is done; then posy-orders rewrites it in its outbox without them.
    public static let erasure = EventType<ErasureWork>("privacy.erasure")
    /// Each store's process, once the data is gone from its files: ``ErasureReport``.
    public static let forgotten = EventType<ErasureReport>("privacy.forgotten")
}
