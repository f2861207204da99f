/// One driver process's part of `posy bench peak`: the shops `shops` of the city (each with its
/// couriers, customers and consoles, named from their numbers), the gateway, the run's secret and
/// lengths, and the directory where the parent and its drivers meet (`ready-<n>`, `go`, `tally-<n>.json`).
/// Drivers are processes of their own because one process here may hold at most 20,000 descriptors.
struct PeakPlan: Codable, Sendable {
    var city: PeakCity
    var base: String
    var secret: String
    var shops: Range<Int>
    var worker: Int
    var directory: String
    var seconds: Double
    var deliverySeconds: Double
    var photoKiB: Int

    static func shopId(_ shop: Int) -> String { "p\(shop)" }
    static func courierId(_ shop: Int, _ n: Int) -> String { "p\(shop)k\(n)" }
    static func customerId(_ shop: Int, _ n: Int) -> String { "p\(shop)c\(n)" }
    static func staffId(_ shop: Int, _ n: Int) -> String { "p\(shop)s\(n)" }

    func couriers(of shop: Int) -> Int { city.couriers(of: shop) }
    func customers(of shop: Int) -> Int { city.customers(of: shop) }
    func consoles(of shop: Int) -> Int { city.consoles(of: shop) }

    /// Streams this driver opens.
    var streams: Int { shops.reduce(0) { $0 + couriers(of: $1) + customers(of: $1) + consoles(of: $1) } }

    /// This driver's share of the city's orders.
    var orderShare: Double { Double(shops.count) / Double(city.shops) }
}
