import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import PosyAuth
import PosyCore
import PosySchema
import ServiceLifecycle

/// The gateway's HTTP application: `/healthz`, `/metrics`, and the public API (`/v1/…`).
public enum GatewayApp {
    /// The HTTP application and the stream hub that feeds its WebSocket connections.
    public static func build(host: ServiceHost, config: GatewayConfig, secret: String) -> [any Service] {
        let monitor = SuiteMonitor(host: host, expected: config.expect)
        let router = Router(context: GatewayRequestContext.self)
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        let table = RouteTable(router: router)
        let api = APIContext(host: host, signer: TokenSigner(secret: secret), config: config,
                             limiter: RateLimiter(rate: config.rateLimit, burst: config.rateBurst))
        let hub = StreamHub(host: host)
        OrdersAPI.register(on: table, api: api)
        MediaAPI.register(on: table, api: api, signer: URLSigner(secret: secret))
        ReceiptsAPI.register(on: table, api: api)
        ChatAPI.register(on: table, api: api)
        LocationAPI.register(on: table, api: api)
        NotifyAPI.register(on: table, api: api)
        StreamAPI.register(on: table, webSocketRouter: webSocketRouter, api: api, hub: hub)
        TrackingPage.register(on: table)
        table.get("openapi.yaml") { _, _ -> Response in
            guard let spec = config.openAPISpec else {
                return APIContext.error(RPCErrorBody(.notFound, "the OpenAPI file was not found (set POSY_OPENAPI)"))
            }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: spec)))
        }
        table.get("healthz") { _, _ -> Response in
            let summary = await monitor.health()
            return APIContext.json(JSON.encodeOrEmpty(summary), status: summary.status == "ok" ? .ok : .serviceUnavailable)
        }
        table.get("metrics") { _, _ -> Response in
            let text = PrometheusRenderer.render(await monitor.stats())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let served = Set(table.routes)
        precondition(served.count == table.routes.count && served == GatewayRoutes.all,
                     "gateway routes differ from GatewayRoutes.all: \(served.symmetricDifference(GatewayRoutes.all).sorted())")
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter,
                                           configuration: .init(ws: .init(autoPing: .enabled(timePeriod: .seconds(20))))),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "posy-gateway"),
            logger: Logger(label: "gateway.http"))
        return [hub, app]
    }
}
