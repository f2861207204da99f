/// Why a process's CURVE keys could not be used; each with a stable code (docs/operations.md, "Keys").
public enum KeyringError: Error, Equatable, CustomStringConvertible {
    /// The process's own secret key file is not there (`keys_missing`).
    case missing(path: String)
    /// A key file that does not hold a Z85 CURVE key (`keys_invalid`).
    case invalid(path: String)
    /// A secret key file others may read (`keys_permissions`): like ssh, refuse rather than trust it.
    case exposed(path: String)
    /// An identity that cannot be a file name (`keys_identity`).
    case badIdentity(String)
    /// The directory or a file could not be written or read (`keys_io`).
    case io(String)
    /// A read grant that cannot be given (`keys_grant`): not a prefix, pushes to people, a suite identity.
    case badGrant(String)

    public var code: String {
        switch self {
        case .missing: "keys_missing"
        case .invalid: "keys_invalid"
        case .exposed: "keys_permissions"
        case .badIdentity: "keys_identity"
        case .io: "keys_io"
        case .badGrant: "keys_grant"
        }
    }

    public var description: String {
        switch self {
        case .missing(let path):
            "\(code): no secret key at \(path) — create the suite's keys with `posy keys create` (posy up does it on first run), or start with --insecure-bus"
        case .invalid(let path): "\(code): \(path) does not hold a Z85 CURVE key"
        case .exposed(let path): "\(code): \(path) may be read by others; chmod 600 it"
        case .badIdentity(let name):
            "\(code): '\(name)' is not an identity (1…40 lower-case letters and digits; no '-', which starts an instance suffix)"
        case .io(let what): "\(code): \(what)"
        case .badGrant(let why): "\(code): \(why)"
        }
    }
}
