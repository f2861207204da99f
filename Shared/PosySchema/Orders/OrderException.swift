/// What went wrong on the way. Not an order state: the order keeps moving.
public enum ExceptionKind: String, Codable, Sendable, CaseIterable {
    case traffic, accessDenied, recipientUnreachable, wrongAddress, damaged, weather, vehicle, other
}

/// How staff settled an exception.
public enum ExceptionResolution: String, Codable, Sendable, CaseIterable {
    case reschedule, redirect, returnToShop, leaveAtSafePlace, contactCustomer, none
}

public enum ExceptionState: String, Codable, Sendable, CaseIterable {
    case open, acknowledged, resolved
}

/// An exception reported on an order, and its acknowledge/resolve workflow.
public struct OrderException: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var id: String
    public var orderId: String
    public var shopId: String
    /// The courier assigned when the exception was opened (who may see it on their stream).
    public var courierId: String?
    public var kind: ExceptionKind
    public var note: String?
    public var lat: Double?
    public var lon: Double?
    public var mediaIds: [String]
    public var state: ExceptionState
    public var openedBy: String
    public var openedAt: String
    public var acknowledgedBy: String?
    public var acknowledgedAt: String?
    public var escalatedAt: String?
    public var resolution: ExceptionResolution?
    public var resolutionNote: String?
    public var resolvedBy: String?
    public var resolvedAt: String?
    /// The reporter's own id for the report (an app that resends after losing the reply): the same
    /// id from the same reporter on the same order is the same exception.
    public var clientId: String?

    public init(
        id: String, orderId: String, shopId: String, courierId: String?, kind: ExceptionKind, note: String?,
        lat: Double?, lon: Double?, mediaIds: [String], openedBy: String, openedAt: String
    ) {
        self.id = id
        self.orderId = orderId
        self.shopId = shopId
        self.courierId = courierId
        self.kind = kind
        self.note = note
        self.lat = lat
        self.lon = lon
        self.mediaIds = mediaIds
        self.state = .open
        self.openedBy = openedBy
        self.openedAt = openedAt
    }
}

/// `order.assignment.unacknowledged`: the assigned courier did not accept in time.
public struct AssignmentUnacknowledged: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var orderId: String
    public var shopId: String
    public var courierId: String
    public var assignedAt: String
    public var deadline: String

    public init(orderId: String, shopId: String, courierId: String, assignedAt: String, deadline: String) {
        self.orderId = orderId
        self.shopId = shopId
        self.courierId = courierId
        self.assignedAt = assignedAt
        self.deadline = deadline
    }
}
