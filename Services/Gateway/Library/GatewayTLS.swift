import Foundation
import NIOSSL

/// The gateway's HTTPS settings from its PEM files (docs/operations.md, "TLS at the edge"): the
/// server side of TLS 1.2 and 1.3 with swift-nio-ssl's defaults, offering HTTP/1.1 (ALPN) — the
/// stream's WebSocket upgrade is an HTTP/1.1 request.
enum GatewayTLS {
    /// A certificate or key that cannot be used; the gateway does not start (`tls_files`).
    struct FilesError: Error, CustomStringConvertible {
        let what: String
        var code: String { "tls_files" }
        var description: String { "\(code): \(what)" }
    }

    static func configuration(_ files: GatewayConfig.TLSFiles) throws(FilesError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificateChain)
        } catch {
            throw FilesError(what: "cannot read the certificate chain \(files.certificateChain): \(error)")
        }
        guard !chain.isEmpty else { throw FilesError(what: "\(files.certificateChain) holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
        } catch {
            throw FilesError(what: "cannot read the private key \(files.privateKey): \(error)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        return tls
    }
}
