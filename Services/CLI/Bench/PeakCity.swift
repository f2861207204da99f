/// A city's peak hour at a scale (docs/performance.md, "A city's peak hour"): 1.0 is a big city's
/// Valentine's Day — 25,000 orders in the peak hour (7/s, bursts of 15/s at morning cut-offs),
/// 10,000 couriers on duty each sending a fix every 5 s, 40,000 customers watching their tracking
/// page and 1,500 shop consoles open, 1,000 shops of about ten couriers each.
struct PeakCity: Codable, Sendable {
    static let fullOrdersPerHour = 25_000.0
    static let fullCouriers = 10_000.0
    static let fullCustomers = 40_000.0
    static let fullConsoles = 1_500.0
    static let couriersPerShop = 10
    /// A burst: this many seconds of every minute at 15/7 of the hour's rate (and the rest a little
    /// below it, so the hour still holds its orders).
    static let burstSeconds = 10.0
    static let burstFactor = 15.0 / 7.0

    var scale: Double
    var ordersPerHour: Double
    var couriers: Int
    var customers: Int
    var consoles: Int
    var shops: Int
    /// Seconds between two fixes of a courier.
    var fixInterval: Double

    init(scale: Double, ordersPerHour: Double? = nil, fixInterval: Double = 5) {
        self.scale = scale
        self.ordersPerHour = ordersPerHour ?? Self.fullOrdersPerHour * scale
        couriers = max(1, Int((Self.fullCouriers * scale).rounded()))
        customers = max(1, Int((Self.fullCustomers * scale).rounded()))
        shops = max(1, couriers / Self.couriersPerShop)
        consoles = max(shops, Int((Self.fullConsoles * scale).rounded()))
        self.fixInterval = fixInterval
    }

    var streams: Int { couriers + customers + consoles }

    /// How many of `total` fall to `shop`, spread evenly over the shops (the first take the remainder).
    func share(_ total: Int, shop: Int) -> Int { total / shops + (shop < total % shops ? 1 : 0) }

    func couriers(of shop: Int) -> Int { share(couriers, shop: shop) }
    func customers(of shop: Int) -> Int { max(1, share(customers, shop: shop)) }
    func consoles(of shop: Int) -> Int { max(1, share(consoles, shop: shop)) }
    var fixesPerSecond: Double { Double(couriers) / fixInterval }

    /// Orders per second at `second` of the run: bursts in the first ``burstSeconds`` of each minute.
    func orderRate(at second: Double) -> Double {
        let base = ordersPerHour / 3600
        let inBurst = second.truncatingRemainder(dividingBy: 60) < Self.burstSeconds
        let calm = (60 - Self.burstSeconds * Self.burstFactor) / (60 - Self.burstSeconds)
        return base * (inBurst ? Self.burstFactor : calm)
    }
}
