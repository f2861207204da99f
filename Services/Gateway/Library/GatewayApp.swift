import Foundation
import Hummingbird
import Logging
import PosyCore
import PosySchema

/// The gateway's HTTP application: `/healthz` and `/metrics` for now; the public API comes with the orders issue.
public enum GatewayApp {
    public static func build(host: ServiceHost, options: GatewayOptions) -> some ApplicationProtocol {
        let monitor = SuiteMonitor(host: host, expected: options.resolvedExpect)
        let router = Router()
        router.get("healthz") { _, _ -> Response in
            let summary = await monitor.health()
            return json(summary, status: summary.status == "ok" ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ -> Response in
            let text = PrometheusRenderer.render(await monitor.stats())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        var logger = Logger(label: "gateway.http")
        logger.logLevel = options.logLevelForHTTP
        return Application(
            router: router,
            configuration: .init(address: .hostname(options.resolvedHost, port: options.resolvedPort), serverName: "posy-gateway"),
            logger: logger)
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status) -> Response {
        let data = (try? JSON.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension GatewayOptions {
    var logLevelForHTTP: Logger.Level { .info }
}
