/// A setting of any type, as a catalogue lists it.
public protocol AnySetting: Sendable {
    var flag: String? { get }
    var variable: String { get }
    var defaultText: String { get }
    var defaultIsLiteral: Bool { get }
    var summary: String { get }
    /// Why the value `settings` hold for it is not one of its type; nil when it is (or none is set).
    func problem(in settings: Settings) -> String?
}
