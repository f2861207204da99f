import Foundation
import PosySchema

/// How a server judges an RPC request (docs/protocol.md, "Who may call what"): against the grant
/// its method was declared with (``RPC/grant``) and the identity the caller's connection proved —
/// never against what the request says about itself.
public enum RPCAccess {
    /// Why `peer` may not call `method`, granted as `grant`, for `caller`, or nil when it may. An
    /// empty `peer` is a connection without CURVE (`--insecure-bus`): nothing is proven, nothing is
    /// checked. `caller` is the request's `caller` when it has one (see ``caller(in:)``).
    public static func check(_ grant: RPCGrant, method: String, peer: String, caller: RPCCaller?) -> PosyError? {
        if peer.isEmpty { return nil }
        if grant.anyIdentity { return nil }
        if let service = caller?.service {
            guard grant.services.contains(peer) else {
                return PosyError(.callerNotPermitted, "\(peer) may not call \(method) as itself")
            }
            guard ServiceName.owns(peer, service) else {
                return PosyError(.callerNotPermitted, "\(peer) may not call as \(service)")
            }
            return nil
        }
        if caller != nil {
            guard grant.people.contains(peer) else {
                return PosyError(.callerNotPermitted, "\(peer) may not call \(method) for a person")
            }
            return nil
        }
        // No caller in the request (a raw body): the identity must be allowed one way or the other.
        guard grant.people.contains(peer) || grant.services.contains(peer) else {
            return PosyError(.callerNotPermitted, "\(peer) may not call \(method)")
        }
        return nil
    }

    /// The `caller` member of a JSON request body, without decoding the rest; nil when the body
    /// has none (or is not a JSON object). Throws on a malformed caller or on two `caller` members,
    /// which readers could take differently.
    public static func caller(in body: Data) throws(SchemaError) -> RPCCaller? {
        guard let slice = try JSON.member("caller", of: body) else { return nil }
        if slice.elementsEqual("null".utf8) { return nil }
        do {
            let v = try JSON.stringMembers(RPCCaller.keys, of: slice, subject: "caller")
            let role = try v[1].map { r throws(SchemaError) in
                guard let role = Role(rawValue: r) else { throw SchemaError(.badRequest, "unknown role") }
                return role
            }
            return RPCCaller(sub: v[0], role: role, shop: v[2], order: v[3], service: v[4])
        } catch {
            throw SchemaError(.badRequest, "caller is not a caller object")
        }
    }
}
