/// The suite's wire protocol (docs/protocol.md, "Versions and upgrades"): what a process speaks,
/// said in its heartbeats, and what an event needs of its reader (``Envelope/req``). A change
/// readers may ignore (a new optional field) keeps the number; one they must understand raises
/// it, and events that depend on it say so in `req`, so that a process one version behind refuses
/// them loudly — and waits for its upgrade — instead of misreading them.
public enum WireProtocol {
    /// The protocol this build speaks.
    public static let version = 1
}
