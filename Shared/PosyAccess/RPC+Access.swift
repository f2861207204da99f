import PosySchema

extension RPC {
    /// Why `peer` may not call this method for `caller`, or nil when it may (``RPCAccess``).
    public func refusal(peer: String, caller: RPCCaller?) -> PosyError? {
        RPCAccess.check(grant, method: name, peer: peer, caller: caller)
    }
}
