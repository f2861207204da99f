import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PosyAuth
import PosyCore
import PosySchema
import ServiceLifecycle

/// The gateway's HTTP application: `/healthz`, `/metrics`, and the public API (`/v1/…`).
public enum GatewayApp {
    /// The HTTP application and the stream hub that feeds its WebSocket connections; with TLS files,
    /// HTTPS (and the optional redirect listener). Throws when the TLS files cannot be used.
    public static func build(host: ServiceHost, config: GatewayConfig, secret: String) throws -> [any Service] {
        let monitor = MonitorCache(monitor: SuiteMonitor(host: host, expected: config.expect))
        let api = Self.api(backend: SuiteBackend(host: host, monitor: monitor), config: config, secret: secret, metrics: host.metrics)
        let router = routes(api: api, secret: secret, logger: host.logger)
        let files = FileLimits.current()
        let hub = StreamHub(
            host: host, access: api.access,
            capacity: StreamCapacity(
                limit: config.maxStreams ?? StreamCapacity.limit(for: files), perPerson: config.maxStreamsPerPerson))
        host.addHealthCheck("pushes") { hub.canary.check() }
        let admission = ConnectionAdmission(files: files) { host.metrics.increment("accept_paused") }
        host.addGauge("streams_open") { Int64(hub.capacity.count) }
        host.addGauge("streams_limit") { Int64(hub.capacity.limit) }
        host.addGauge("push_topics") { Int64(hub.topics.count) }
        host.addGauge("connections_open") { Int64(admission.count) }
        host.addGauge("connections_limit") { Int64(admission.limit) }
        let clients = ClientConnections(perAddress: config.maxConnectionsPerAddress, exempt: config.connectionCapExempt) {
            host.metrics.increment("connections_refused_address")
        }
        host.addGauge("connection_addresses") { Int64(clients.addresses) }
        // Every first request head is judged by RequestHeadGuard before anything else sees it; the
        // live stream's upgrade is taken over there (StreamUpgrade: no WebSocket pings — a timer per
        // stream — the listener's TCP keepalive finds dead peers instead), anything else gets the
        // HTTP handlers, and idle keep-alive connections close after a minute.
        let httpLogger = Logger(label: "gateway.http")
        let channel = GuardedHTTPChannel(
            inner: HTTP1Channel(
                responder: Self.responder(router.buildResponder(), logger: httpLogger),
                configuration: .init(idleTimeout: .seconds(60))),
            limits: RequestHeadGuard.Limits(), preflight: StreamAPI.preflight(api: api, hub: hub), clients: clients)
        func listener<C: ServerChildChannel>(_ child: C) -> any Service {
            SharedPortServer(
                child: child, host: config.host, port: config.port, admission: admission,
                sharePort: config.instance != ServiceName.gateway, group: MultiThreadedEventLoopGroup.singleton, logger: httpLogger)
        }
        // Gateways named gateway-<n> share the port (SO_REUSEPORT), a lone `gateway` holds it alone;
        // TLS comes first in the pipeline, the head guard right after it (GuardedHTTPChannel).
        let server =
            try config.tls.map { listener(try TLSChannel(channel, tlsConfiguration: GatewayTLS.configuration($0))) } ?? listener(channel)
        var services: [any Service] = [hub, server]
        if config.tls != nil, let redirectPort = config.httpRedirectPort {
            services.append(
                Application(
                    responder: HTTPSRedirect(publicURL: config.publicURL),
                    configuration: .init(address: .hostname(config.host, port: redirectPort), serverName: "posy-gateway-redirect"),
                    logger: Logger(label: "gateway.redirect")))
        }
        if let opsPort = config.opsPort {
            // The operator's own listener (loopback by default): health detail and metrics without a token.
            let ops = Router()
            ops.add(middleware: SecurityHeadersMiddleware())
            ops.get("healthz") { _, _ in Self.health(await monitor.summary(), detail: true) }
            // For an orchestrator's probes (docs/operations.md, "Kubernetes"): alive while the process
            // answers; ready while this gateway itself is well — it hears the bus and its pushes arrive —
            // whatever the state of the services behind it.
            ops.get("livez") { _, _ in "ok\n" }
            ops.get("readyz") { _, _ -> Response in
                let own = await host.health()
                let body = ByteBuffer(
                    string: own.status == "ok"
                        ? "ok\n"
                        : own.checks.filter { $0.value != "ok" }.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "\n") + "\n")
                return Response(
                    status: own.status == "ok" ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: body))
            }
            ops.get("metrics") { _, _ in Self.metrics(await monitor.allStats()) }
            services.append(
                Application(
                    router: ops,
                    configuration: .init(
                        address: .hostname(config.opsHost, port: opsPort),
                        serverName: "posy-gateway-ops"),
                    logger: Logger(label: "gateway.ops")))
        }
        return services
    }

    /// Answers each request with the router, as Hummingbird's `Application` does: the request's
    /// context, a 500 for an error no middleware turned into a response, `Date` and `Server`.
    static func responder(_ router: RouterResponder<GatewayRequestContext>, logger: Logger) -> HTTPChannelHandler.Responder {
        let dates = HTTPDate()
        return { request, writer, channel in
            let context = GatewayRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await router.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                logger.debug("unanswered error", metadata: ["error.type": "\(type(of: error))"])
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = dates.now()
            response.headers[.server] = "posy-gateway"
            do {
                try await writer.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                // A second response would follow a parse error thrown from here: close instead.
                try? await channel.close()
            }
        }
    }

    static func api(backend: any GatewayBackend, config: GatewayConfig, secret: String, metrics: Metrics = Metrics()) -> APIContext {
        APIContext(
            backend: backend, signer: TokenSigner(secret: secret, maxLifetime: config.tokenMaxLifetime), config: config,
            limiter: RateLimiter(rate: config.rateLimit, burst: config.rateBurst), access: AccessGuard(backend: backend),
            geocoder: config.geocoder.map { Geocoder(provider: $0, logger: Logger(label: "gateway.geocoder")) },
            fixes: FixBatcher(metrics: metrics) { request in
                // The gateway calls as itself: the couriers it names are those whose tokens it verified.
                try await backend.call(LocationRPC.ingestBatch, request, as: .service(ServiceName.gateway), retries: 1)
            })
    }

    /// Every HTTP route but the stream's upgrade, one collection per area, on a router whose
    /// middleware answers errors as JSON and 405 where a path is served with other methods.
    static func routes(api: APIContext, secret: String, logger: Logger) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: WebFilesMiddleware(files: WebFiles(config: api.config.web, logger: logger)))
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        let authenticated = router.authenticated(by: api)
        OrdersAPI(api: api).addRoutes(to: authenticated)
        MediaAPI(api: api, signer: URLSigner(secret: secret)).addRoutes(to: authenticated, public: router)
        ReceiptsAPI(api: api).addRoutes(to: authenticated)
        ChatAPI(api: api).addRoutes(to: authenticated)
        LocationAPI(api: api).addRoutes(to: authenticated)
        NotifyAPI(api: api).addRoutes(to: authenticated)
        PeopleAPI(api: api).addRoutes(to: authenticated)
        PrivacyAPI(api: api).addRoutes(to: authenticated, public: router)
        GeocodeAPI(api: api).addRoutes(to: authenticated)
        CallsAPI(api: api).addRoutes(to: authenticated)
        SessionAPI(api: api).addRoutes(to: router, authenticated: authenticated)
        StreamAPI.addRoutes(to: router, api: api)
        TrackingPage.register(on: router)
        let backend = api.backend
        // Public: only whether the suite is up. Admins (and the ops listener) get every instance.
        router.get("healthz") { request, context -> Response in
            let detail = (try? api.verify(request))?.role == .admin
            if !detail, let ip = context.channel.remoteAddress?.ipAddress, let wait = api.limiter.check("ip:\(ip)") {
                throw RateLimited(retryAfter: wait)
            }
            return Self.health(await backend.health(), detail: detail)
        }
        authenticated.get("metrics") { _, context -> Response in
            guard context.claims.role == .admin else { throw PosyError(.forbidden, "metrics are for admins") }
            return Self.metrics(await backend.stats())
        }
        let config = api.config
        router.get("openapi.yaml") { _, _ -> Response in
            guard let spec = config.openAPISpec else {
                throw PosyError(.notFound, "the OpenAPI file was not found (set POSY_OPENAPI)")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: spec)))
        }
        // Last, once every route is on the router: it acts only on "not found", which the router
        // answers through all of its middleware whenever they were added.
        router.add(middleware: MethodNotAllowedMiddleware(routes: GatewayRoutes.served(by: router)))
        return router
    }

    /// The API's router over `backend`, for route tests in process (`app.test(.router)`).
    package static func apiRouter(
        backend: any GatewayBackend, config: GatewayConfig, secret: String, logger: Logger = Logger(label: "gateway.http")
    ) -> Router<GatewayRequestContext> {
        routes(api: api(backend: backend, config: config, secret: secret), secret: secret, logger: logger)
    }

    /// `/healthz`: 200 when every expected instance is ok, else 503; the body is `{"status"}` unless `detail`.
    static func health(_ summary: HealthSummary, detail: Bool) -> Response {
        let status: HTTPResponse.Status = summary.status == "ok" ? .ok : .serviceUnavailable
        guard detail else { return JSONReply(Data(#"{"status":\#(JSON.quoted(summary.status))}"#.utf8), status: status).response }
        return JSONReply(JSON.encodeOrEmpty(summary), status: status).response
    }

    static func metrics(_ stats: [(String, StatsReport?)]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: PrometheusRenderer.render(stats))))
    }
}
