/// Who collects couriers' consent to location collection (`--location-consent` of posy-orders).
public enum LocationConsentMode: String, Codable, Sendable, CaseIterable {
    /// The courier app explains it and records the courier's consent before their first duty;
    /// without it a courier is not put on duty, so no position of theirs is taken.
    case app
    /// The shop collects it outside Posy (an employment contract's separate consent form): every
    /// courier counts as having consented.
    case external
}
