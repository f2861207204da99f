import ArgumentParser
import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosySettings

/// `posy invite`: the operator's sign-in link for a shop's first manager (or anyone else), through
/// the running posy-orders. With `--shop-name` a shop that does not exist yet is created first, so a
/// fresh suite goes from `make run` to a florist at the console without an API call.
public struct InviteCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "invite", abstract: "Print a single-use sign-in link for a shop's manager, staff member or courier.")

    @Option(help: "manager, staff or courier.") var role: PersonRole
    @Option(help: "The shop's id.") var shop: String
    @Option(help: "The person's name as the shop sees it.") var name: String
    @Option(help: "The courier's id (couriers only).") var courier: String?
    @Option(help: "Hours the link works (default 24, at most 168).") var hours: Double = 24
    @Option(help: "The gateway's public URL the link starts with (env POSY_PUBLIC_URL, default http://127.0.0.1:8080).")
    var url: String?
    @Option(name: .customLong("shop-name"), help: "Create the shop with this name when it does not exist.") var shopName: String?
    @Option(name: .customLong("shop-address"), help: "Its address.") var shopAddress = ""
    @Option(name: .customLong("shop-lat"), help: "Its latitude.") var shopLat: Double = 31.2304
    @Option(name: .customLong("shop-lon"), help: "Its longitude.") var shopLon: Double = 121.4737
    @Option(name: .customLong("shop-tz"), help: "Its IANA time zone.") var shopTZ = "Asia/Shanghai"
    @Flag(help: "Print the invitation as JSON.") var json = false
    @OptionGroup var bus: BusOptions

    public init() {}

    public func validate() throws {
        guard hours > 0, hours <= 168 else { throw ValidationError("--hours: more than 0, at most 168") }
        if (role == .courier) != (courier != nil) { throw ValidationError("--courier goes with --role courier, and only with it") }
    }

    public func run() async throws { try await issue { print($0) } }

    /// Issues the invitation; `say` hears each line of the answer (`posy up`'s first minute prints
    /// them with its own prefix).
    func issue(say: (String) -> Void) async throws {
        let security = try bus.security()
        let busSub = try bus.config().busSub
        let directory = try await Discovery.peers(busSub: busSub, security: security, listen: .milliseconds(1500))
        guard let orders = directory.peer(ServiceName.orders) else {
            say("posy-orders is not heartbeating on \(busSub): is the suite running (make run)?")
            throw ExitCode(1)
        }
        let operatorViewer = Viewer.user(sub: "operator", role: .admin, shop: nil, order: nil)
        do {
            let invite = try await RPCClient.withClient(orders.heartbeat.rpc, curve: try security.client(of: ServiceName.orders)) {
                client in
                if let shopName {
                    let known = try? await client.call(
                        OrdersRPC.getShop, ShopRef(shopId: shop), as: operatorViewer, timeout: .seconds(5))
                    if known == nil {
                        let created = try await client.call(
                            OrdersRPC.createShop,
                            OrdersRPC.ShopRequest(
                                shop: Shop(id: shop, name: shopName, address: shopAddress, lat: shopLat, lon: shopLon, timeZone: shopTZ)),
                            as: operatorViewer, timeout: .seconds(5))
                        if !json { say("created shop \(created.id) (\(created.name), \(created.timeZone))") }
                    }
                }
                return try await client.call(
                    PeopleRPC.invite,
                    PeopleRPC.InviteRequest(shopId: shop, role: role, name: name, courierId: courier, ttlSeconds: Int(hours * 3600)),
                    as: operatorViewer, timeout: .seconds(5))
            }
            // The gateway's own default, when nobody says where it is.
            let base = try Settings.process.optional(SuiteSettings().publicURL, flag: url) ?? "http://127.0.0.1:8080"
            let link = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/signin#" + invite.code
            if json {
                var shown = invite
                shown.link = link
                say(String(decoding: try JSON.encode(shown), as: UTF8.self))
            } else {
                say(
                    "Sign-in link for \(invite.person.name) (\(invite.person.role.rawValue), shop \(shop)), single use, until \(invite.expiresAt):"
                )
                say(link)
            }
        } catch let e as PosyError {
            say("\(e.code.rawValue): \(e.message)")
            throw ExitCode(1)
        }
    }
}

extension PersonRole: ExpressibleByArgument {}
