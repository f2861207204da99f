/// `posy-bus`: the two sides of the forwarder.
public struct BusSettings: SettingsCatalog {
    public static let takenBy = "posy-bus"
    public init() {}

    public let frontend = Setting<String>(
        "frontend", "POSY_BUS_FRONTEND", default: "tcp://127.0.0.1:7100", "XSUB bind endpoint: where publishers connect")
    public let backend = Setting<String>(
        "backend", "POSY_BUS_BACKEND", default: "tcp://127.0.0.1:7101", "XPUB bind endpoint: where subscribers connect")
    public let highWaterMark = Setting<Int32>("hwm", "POSY_BUS_HWM", default: 100_000, "High-water mark per connection, messages")
}
