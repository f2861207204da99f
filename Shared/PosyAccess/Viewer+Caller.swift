import Foundation
import PosySchema

extension Viewer {
    /// The viewer an RPC caller speaks for; `unauthorized` when it names nobody.
    public init(_ caller: RPCCaller) throws(PosyError) {
        if let service = caller.service, !service.isEmpty {
            self = .service(service)
            return
        }
        guard let sub = caller.sub, !sub.isEmpty, let role = caller.role else {
            throw PosyError(.unauthorized, "the call names no caller")
        }
        self = .user(sub: sub, role: role, shop: caller.shop, order: caller.order)
    }

    /// The form a call carries the viewer in.
    public var caller: RPCCaller {
        switch self {
        case .user(let sub, let role, let shop, let order): RPCCaller(sub: sub, role: role, shop: shop, order: order)
        case .service(let name): RPCCaller(service: name)
        }
    }

    /// `body`, a request's JSON object, with the viewer as its `caller` member: what goes on the wire
    /// (docs/protocol.md, "RPC"). The request types have no caller of their own.
    public func request(_ body: Data) -> Data {
        precondition(body.first == UInt8(ascii: "{") && body.last == UInt8(ascii: "}"), "an RPC request is a JSON object")
        var out = [UInt8]()
        out.reserveCapacity(body.count + 96)
        out += #"{"caller":"#.utf8
        caller.appendJSON(to: &out)
        if body.count > 2 { out.append(UInt8(ascii: ",")) }
        out += body.dropFirst()
        return Data(out)
    }
}
