import Hummingbird
import NIOCore

/// The gateway's request context: Hummingbird's basic one plus the connection's channel, so a
/// route that refuses an upload mid-body (413) can close the connection instead of reading the rest.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
