import PosySchema

extension Viewer {
    /// The viewer an RPC caller speaks for; `unauthorized` when it names nobody.
    public init(_ caller: RPCCaller) throws(PosyError) {
        if let service = caller.service, !service.isEmpty {
            self = .service(service)
            return
        }
        guard let sub = caller.sub, !sub.isEmpty, let role = caller.role.flatMap(Role.init(rawValue:)) else {
            throw PosyError(.unauthorized, "the call names no caller")
        }
        self = .user(sub: sub, role: role, shop: caller.shop, order: caller.order)
    }

    /// The RPC form of a verified token's claims.
    public static func caller(_ claims: TokenClaims) -> RPCCaller {
        RPCCaller(sub: claims.sub, role: claims.role.rawValue, shop: claims.shop, order: claims.order)
    }
}
