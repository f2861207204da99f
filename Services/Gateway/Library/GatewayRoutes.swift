/// Every HTTP route the gateway serves, as `METHOD /path` with OpenAPI-style parameters. The
/// gateway refuses to start if what it registered differs; `OpenAPITests` checks this list against
/// `docs/openapi.yaml` in both directions.
public enum GatewayRoutes {
    public static let all: Set<String> = [
        "GET /healthz", "GET /metrics", "GET /openapi.yaml",
        "POST /v1/shops", "POST /v1/shops/{shop}/couriers", "GET /v1/shops/{shop}/couriers",
        "POST /v1/orders", "GET /v1/orders", "GET /v1/orders/{id}", "GET /v1/orders/{id}/timeline",
        "POST /v1/orders/{id}/confirm", "POST /v1/orders/{id}/assign", "POST /v1/orders/{id}/accept",
        "POST /v1/orders/{id}/pickup", "POST /v1/orders/{id}/depart", "POST /v1/orders/{id}/cancel",
        "POST /v1/orders/{id}/fail", "POST /v1/orders/{id}/decline",
        "POST /v1/orders/{id}/arrive", "POST /v1/orders/{id}/tracking-link",
        "GET /v1/calls/turn", "POST /v1/orders/{id}/look",
        "POST /v1/orders/{id}/changes", "POST /v1/orders/{id}/changes/{changeId}/approve",
        "POST /v1/orders/{id}/changes/{changeId}/reject",
        "POST /v1/orders/{id}/exceptions", "POST /v1/exceptions/{id}/ack", "POST /v1/exceptions/{id}/resolve",
        "POST /v1/media", "GET /v1/media/{id}", "POST /v1/media/{id}/link",
        "POST /v1/orders/{id}/proof", "POST /v1/orders/{id}/confirmation",
        "GET /v1/orders/{id}/evidence", "GET /v1/orders/{id}/evidence.html",
        "GET /v1/conversations", "POST /v1/conversations", "GET /v1/conversations/{id}", "GET /v1/conversations/{id}/messages",
        "POST /v1/conversations/{id}/messages", "POST /v1/conversations/{id}/read", "POST /v1/conversations/{id}/delivered",
        "POST /v1/conversations/{id}/messages/{seq}/recall", "GET /v1/sync",
        "POST /v1/locations", "GET /v1/orders/{id}/tracking", "GET /v1/orders/{id}/track", "GET /v1/shops/{shop}/couriers/live",
        "POST /v1/couriers/{id}/duty",
        "GET /v1/notifications", "POST /v1/notifications/{id}/read", "GET /v1/notifications/preferences",
        "PUT /v1/notifications/preferences", "GET /v1/shops/{shop}/notify-settings", "PUT /v1/shops/{shop}/notify-settings",
        "POST /v1/webhooks", "GET /v1/webhooks", "DELETE /v1/webhooks/{id}", "GET /v1/webhooks/{id}/deliveries",
        "POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay",
        "GET /v1/stream", "GET /t/{token}",
        "POST /v1/session", "POST /v1/session/refresh", "DELETE /v1/session", "GET /v1/shops/{shop}", "GET /v1/shops/{shop}/attention",
        "POST /v1/shops/{shop}/invites", "GET /v1/shops/{shop}/people", "DELETE /v1/shops/{shop}/people/{id}",
        "POST /v1/shops/{shop}/api-keys", "GET /v1/shops/{shop}/api-keys", "DELETE /v1/shops/{shop}/api-keys/{id}",
    ]

    /// The routes that take no token: signing in and refreshing a session (with the code, or the
    /// session's own refresh credential).
    public static let signIn: Set<String> = ["POST /v1/session", "POST /v1/session/refresh"]
}
