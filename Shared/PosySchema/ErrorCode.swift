/// Stable error codes carried by RPC error replies and HTTP error bodies. Never renamed once shipped.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    /// The request's JSON or fields are invalid.
    case badRequest = "bad_request"
    /// The RPC request had the wrong number of frames.
    case badFrames = "bad_frames"
    /// No such RPC method.
    case unknownMethod = "unknown_method"
    /// An envelope or payload does not follow the schema.
    case badPayload = "bad_payload"
    case unauthorized = "unauthorized"
    case forbidden = "forbidden"
    /// The process that sent an RPC request may not call that method, or not for the caller it names
    /// (docs/protocol.md, "Who may call what").
    case callerNotPermitted = "caller_not_permitted"
    case notFound = "not_found"
    case conflict = "conflict"
    /// The order cannot move from its state to the requested one.
    case invalidTransition = "invalid_transition"
    /// A field is well-formed JSON but not an acceptable value (latitude 91, window end before start).
    case invalidField = "invalid_field"
    case rateLimited = "rate_limited"
    case tooLarge = "too_large"
    /// The body's type is not one the route takes, or its bytes are not what it was declared to be.
    case unsupportedMediaType = "unsupported_media_type"
    /// A `Range` outside the resource.
    case rangeNotSatisfiable = "range_not_satisfiable"
    /// It was there and has been removed for good (media purged by retention).
    case gone = "gone"
    /// The conversation is closed for new messages (24 h after its order ended), or the caller's
    /// part in it ended (a courier after the delivery).
    case readOnly = "read_only"
    /// A courier who is not on duty sent positions.
    case offDuty = "off_duty"
    /// The courier has not consented to location collection (docs/protocol.md, "Privacy").
    case consentRequired = "consent_required"
    /// The requested events are from an epoch the source no longer has.
    case epochMismatch = "epoch_mismatch"
    /// The service is not reachable (not connected, or refused the send).
    case unavailable = "unavailable"
    /// An outside provider (a geocoder) answered with an error or nonsense.
    case badGateway = "bad_gateway"
    /// No reply within the deadline (after retries, for idempotent calls).
    case timeout = "timeout"
    case shuttingDown = "shutting_down"
    /// The path exists but not with this method (`Allow` lists those it has).
    case methodNotAllowed = "method_not_allowed"
    /// The route is a WebSocket: the request must ask to upgrade.
    case upgradeRequired = "upgrade_required"
    /// A URL Posy would call (a webhook) names an address outside the public internet: loopback,
    /// private, link-local, multicast, a cloud's metadata service.
    case destinationNotAllowed = "destination_not_allowed"
    /// The caller holds a tracking link (a token limited to one order); this needs the customer's
    /// own sign-in (docs/protocol.md, "What a tracking link may do").
    case sessionRequired = "session_required"
    /// An API key was used for a route its scopes do not cover (docs/protocol.md, "API keys").
    case scopeMissing = "scope_missing"
    /// A store cannot write: its disk is full. Nothing was changed; retry once space is freed.
    case insufficientStorage = "insufficient_storage"
    case `internal` = "internal"

    /// The HTTP status the gateway answers with for this code.
    public var httpStatus: Int {
        switch self {
        case .badRequest, .badFrames, .badPayload: 400
        case .unauthorized: 401
        case .forbidden, .callerNotPermitted, .offDuty, .consentRequired, .sessionRequired, .scopeMissing: 403
        case .notFound, .unknownMethod: 404
        case .conflict, .epochMismatch, .invalidTransition, .readOnly: 409
        case .invalidField, .destinationNotAllowed: 422
        case .rateLimited: 429
        case .upgradeRequired: 426
        case .methodNotAllowed: 405
        case .tooLarge: 413
        case .unsupportedMediaType: 415
        case .rangeNotSatisfiable: 416
        case .gone: 410
        case .unavailable, .shuttingDown: 503
        case .badGateway: 502
        case .timeout: 504
        case .internal: 500
        case .insufficientStorage: 507
        }
    }
}
