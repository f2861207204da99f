/// A sign-in link's secret part, shown once to whoever created it: single use, until `expiresAt`.
public struct Invite: Codable, Sendable, Equatable {
    /// The code the link carries after `#` (never sent to a server in a URL).
    public var code: String
    public var person: Person
    public var expiresAt: String
    /// `<public URL>/signin#<code>`, filled in by the gateway.
    public var link: String?

    public init(code: String, person: Person, expiresAt: String, link: String? = nil) {
        self.code = code
        self.person = person
        self.expiresAt = expiresAt
        self.link = link
    }
}
