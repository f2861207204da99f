import HTTPTypes
import PosySchema

/// Which scope an API key needs for a route (docs/protocol.md, "API keys"). Routes not listed are
/// for people only: an API key gets 403 `scope_missing` there.
package enum APIScopeRules {
    package static func scope(method: HTTPRequest.Method, path: String) -> APIScope? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.first == "v1", parts.count >= 2 else { return nil }
        switch parts.dropFirst().first {
        case "orders":
            // The shop's own side of an order: reading it, creating it and moving it as the shop does.
            let action = parts.count == 4 ? parts.last.map(String.init) : nil
            if method == .get { return parts.count <= 4 ? .ordersRead : nil }
            guard method == .post else { return nil }
            if parts.count == 2 { return .ordersWrite }
            if let action, ["confirm", "assign", "cancel", "changes"].contains(action) { return .ordersWrite }
            if parts.count == 6, parts[parts.startIndex + 3] == "changes" { return .ordersWrite }
            return nil
        case "webhooks": return .webhooks
        default: return nil
        }
    }
}
