/// Inside/outside of one circle with hysteresis: entering needs a fix within `radius`,
/// leaving one beyond `radius + margin`, so points jittering at the boundary cross once. `once`
/// makes the entry fire at most once in the tracker's life (the recipient's 150 m: `arriving`).
public struct GeofenceCrossing: Sendable, Codable, Equatable {
    public var radius: Double
    public var margin: Double
    public var once: Bool
    /// Whether a first fix already inside counts as entering (the recipient's circle: yes; the shop's: no).
    public var firstFixEnters: Bool
    public private(set) var inside: Bool?
    public private(set) var entered = false

    public enum Event: String, Sendable, Equatable { case entered, left }

    public init(radius: Double, margin: Double = 30, once: Bool = false, firstFixEnters: Bool = false) {
        self.radius = radius
        self.margin = margin
        self.once = once
        self.firstFixEnters = firstFixEnters
    }

    /// A crossing as stored (``DeliveryRow``'s tagged bytes).
    init(radius: Double, margin: Double, once: Bool, firstFixEnters: Bool, inside: Bool?, entered: Bool) {
        self.init(radius: radius, margin: margin, once: once, firstFixEnters: firstFixEnters)
        self.inside = inside
        self.entered = entered
    }

    /// Sets where the courier is without a fix (the shop's circle at pickup: they are at the counter),
    /// so a first fix outside is leaving.
    public mutating func start(inside: Bool) {
        self.inside = inside
        if inside { entered = true }
    }

    /// Feeds one fix's distance to the centre; returns the crossing it makes, if any. The first fix
    /// sets where the courier is; it is an entry only with `firstFixEnters`.
    public mutating func update(distance: Double) -> Event? {
        guard let wasInside = inside else {
            inside = distance <= radius
            guard inside == true else { return nil }
            entered = true
            return firstFixEnters ? .entered : nil
        }
        if !wasInside, distance <= radius {
            inside = true
            if once && entered { return nil }
            entered = true
            return .entered
        }
        if wasInside, distance > radius + margin {
            inside = false
            return .left
        }
        return nil
    }
}
