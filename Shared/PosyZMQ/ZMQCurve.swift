/// A socket's CURVE role: a server (the side that binds) proves itself with its key pair and
/// admits clients through its context's ``ZMQAuthenticator``; a client proves itself with its own
/// pair and must know the server's public key.
public enum ZMQCurve: Sendable, Equatable {
    case server(ZMQCurveKeyPair)
    case client(ZMQCurveKeyPair, serverKey: String)

    /// The ZAP domain every Posy server asks its authenticator about.
    public static let domain = "posy"
}
