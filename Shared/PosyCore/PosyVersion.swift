/// The suite's version, reported in heartbeats, `health` and `/healthz`.
public enum PosyVersion {
    public static let current = "0.1.0"
}
