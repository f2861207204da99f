/// The settings one executable (or every service) takes, as stored properties: the docs' table and
/// the checks list them from the declarations themselves, so no second list is kept.
public protocol SettingsCatalog: Sendable {
    /// Who takes them, as the table's first column says it: `every service`, `posy-gateway`, …
    static var takenBy: String { get }
    init()
}

extension SettingsCatalog {
    /// Every setting declared here, in declaration order.
    public var all: [any AnySetting] { Mirror(reflecting: self).children.compactMap { $0.value as? any AnySetting } }
}
