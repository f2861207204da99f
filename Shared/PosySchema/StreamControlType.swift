/// The stream's own frames, besides events, pushes and replies (docs/protocol.md, "The stream"):
/// where it starts, and that a source's history was lost so the client must re-read it.
public enum StreamControlType {
    public static let open = "stream.open"
    public static let reset = "stream.reset"
}
